import { SCREEN_DEGRADATION_PREFERENCE, SCREEN_VIDEO_ENCODING, type LocalScreenTracks } from '../screen-capture.js';
import { msidStreamId } from './sdp.js';

/** What a {@link ScreenLink} needs from its PeerLink. */
export interface ScreenLinkHost {
  /** Whether a transceiver carries the camera or microphone (not a screen). */
  isCamera(transceiver: RTCRtpTransceiver): boolean;
  /** The remote's screen appeared, changed or went away (`null`). */
  remoteScreen(stream: MediaStream | null, streamId: string | null): void;
  error(error: unknown): void;
}

/**
 * The screen-sharing half of a PeerLink.
 *
 * Sending: the local screen goes on transceivers of its own (`sendonly`, the screen's stream
 * as msid), added after the camera's so the camera keeps the first two m-lines. Adding them
 * renegotiates through the link's perfect negotiation. When sharing stops they turn
 * `inactive` and wait for the next share, so m-lines do not pile up.
 *
 * Receiving: any transceiver that is neither the camera's nor one of ours carries the remote's
 * screen. After every completed negotiation the live ones are gathered into `remoteStream`,
 * and the stream id they are sent under is read from the remote description's msid.
 */
export class ScreenLink {
  /** The remote's screen tracks (video, and audio when shared); a new stream whenever they change. */
  remoteStream: MediaStream | null = null;
  #video: RTCRtpTransceiver | null = null;
  #audio: RTCRtpTransceiver | null = null;
  #local: LocalScreenTracks | null;
  #ready = false;
  #reportedId: string | null = null;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly host: ScreenLinkHost,
    local: LocalScreenTracks | null,
  ) {
    this.#local = local;
  }

  /** Whether this link sends the local screen on `transceiver`. */
  owns(transceiver: RTCRtpTransceiver): boolean {
    return transceiver === this.#video || transceiver === this.#audio;
  }

  /** Shares `screen` on this link, or stops sharing (`null`). */
  setLocal(screen: LocalScreenTracks | null): void {
    this.#local = screen;
    if (this.#ready) this.#apply();
  }

  /** The camera's m-lines exist now; the screen's may follow them. */
  ready(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#apply();
  }

  /** Mids of the transceivers that receive the remote's screen (for stats). */
  remoteMids(): Set<string> {
    return new Set(this.#remoteTransceivers().flatMap((t) => (t.mid ? [t.mid] : [])));
  }

  /** After a negotiation completes: gather the live remote screen tracks, tune our sender. */
  sync(): void {
    const live = this.#remoteTransceivers().filter((t) => t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv');
    const videoT = live.find((t) => t.receiver.track.kind === 'video');
    const tracks = videoT ? live.map((t) => t.receiver.track) : [];
    const sdp = this.pc.remoteDescription?.sdp;
    const id = videoT?.mid && sdp ? msidStreamId(sdp, videoT.mid) : null;
    const before = this.remoteStream?.getTracks() ?? [];
    const same = before.length === tracks.length && tracks.every((t) => before.includes(t));
    if (same && id === this.#reportedId) return this.#tuneOwn();
    // A fresh stream object, so players notice the change.
    this.remoteStream = videoT ? new MediaStream(tracks) : null;
    this.#reportedId = id;
    this.host.remoteScreen(this.remoteStream, id);
    this.#tuneOwn();
  }

  #tuneOwn(): void {
    if (this.#video && this.#local) this.#tune(this.#video.sender);
  }

  #remoteTransceivers(): RTCRtpTransceiver[] {
    return this.pc.getTransceivers().filter((t) => !this.owns(t) && !this.host.isCamera(t));
  }

  #apply(): void {
    const s = this.#local;
    this.#video = this.#send(this.#video, s?.video ?? null, s);
    this.#audio = this.#send(this.#audio, s?.audio ?? null, s);
  }

  #send(t: RTCRtpTransceiver | null, track: MediaStreamTrack | null, screen: LocalScreenTracks | null): RTCRtpTransceiver | null {
    if (!t) {
      if (!track || !screen) return null;
      const created = this.pc.addTransceiver(track, {
        direction: 'sendonly',
        streams: [screen.stream],
        sendEncodings: track.kind === 'video' ? [{ ...SCREEN_VIDEO_ENCODING }] : undefined,
      });
      if (track.kind === 'video') this.#tune(created.sender);
      return created;
    }
    // The stream (so the msid) stays the same from one share to the next: see RoomScreenShare.
    t.sender.replaceTrack(track).catch((err: unknown) => this.host.error(err));
    const direction = track ? 'sendonly' : 'inactive';
    if (t.direction !== direction) t.direction = direction;
    return t;
  }

  /** Applies the text profile to the screen's video sender, when not already in place. */
  #tune(sender: RTCRtpSender): void {
    if (typeof sender.getParameters !== 'function') return;
    const p = sender.getParameters();
    const encodings = p.encodings ?? [];
    const want = SCREEN_VIDEO_ENCODING;
    const encodingsOk = encodings.length > 0 && encodings.every((e) => e.maxBitrate === want.maxBitrate && e.maxFramerate === want.maxFramerate);
    if (p.degradationPreference === SCREEN_DEGRADATION_PREFERENCE && (encodingsOk || encodings.length === 0)) return;
    p.degradationPreference = SCREEN_DEGRADATION_PREFERENCE;
    for (const e of encodings) Object.assign(e, want);
    // Before the first negotiation some browsers refuse; sync() tries again after it.
    sender.setParameters(p).catch(() => {});
  }
}
