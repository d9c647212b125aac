import type { ClientMessage } from '@lectern/protocol';
import type { PeerConnectionFactory } from '../ports.js';
import type { LocalScreenTracks } from '../screen-capture.js';
import { ScreenLink } from './screen-link.js';
import type { InboundSignal, LocalTracks } from './topology.js';
import { swapIceServers } from './ice-servers.js';
import type { PreparedConnection } from './prepared-offer.js';

/** What a link needs from its topology. */
export interface PeerLinkHost {
  send(message: ClientMessage): void;
  remoteStream(stream: MediaStream): void;
  /** The remote's shared screen appeared, changed or stopped (`null`). */
  remoteScreen?(stream: MediaStream | null, streamId: string | null): void;
  connectionState(state: RTCPeerConnectionState): void;
  error(error: Error): void;
  /** The remote side opened a data channel (other than the link's own `lectern` channel). */
  dataChannel?(channel: RTCDataChannel): void;
}

/** Label of the channel the initiator creates so that the first offer opens SCTP. */
export const LINK_CHANNEL_LABEL = 'lectern';

/**
 * One RTCPeerConnection to one remote participant, negotiated with the perfect-negotiation
 * pattern (polite side yields on glare) and trickle ICE. It carries one audio and one video
 * transceiver; local changes are `replaceTrack`, so muting never renegotiates. The initiator also
 * creates one data channel before its first offer, so the SCTP association exists from the start
 * and later data channels (file transfers) open without renegotiation. A shared screen
 * travels on transceivers of its own after the camera's (see {@link ScreenLink}).
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly stream = new MediaStream();
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #audio: RTCRtpTransceiver | null = null;
  #video: RTCRtpTransceiver | null = null;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #screen: ScreenLink;
  #linkChannel: RTCDataChannel | null = null;

  constructor(
    readonly remoteId: string,
    /** The polite side rolls back its own offer on collision. */
    readonly polite: boolean,
    factory: PeerConnectionFactory,
    config: RTCConfiguration,
    private tracks: LocalTracks,
    private readonly host: PeerLinkHost,
    initiate: boolean,
    screen: LocalScreenTracks | null = null,
    /** A connection whose offer was made before joining ({@link PreparedOffer}); implies `initiate`. */
    prepared: PreparedConnection | null = null,
  ) {
    this.pc = prepared?.pc ?? factory(config);
    this.#screen = new ScreenLink(
      this.pc,
      {
        isCamera: (t) => this.#isCamera(t),
        remoteScreen: (s, id) => this.host.remoteScreen?.(s, id),
        error: (err) => this.host.error(asError(err)),
      },
      screen,
    );
    this.pc.onnegotiationneeded = () => void this.#negotiate();
    this.pc.onicecandidate = ({ candidate }) => {
      this.host.send({ type: 'ice-candidate', to: this.remoteId, candidate: candidate ? candidate.toJSON() as never : null });
    };
    this.pc.ontrack = ({ track, transceiver }) => {
      // Screen tracks are gathered once their negotiation completes (ScreenLink.sync).
      if (transceiver && !this.#isCamera(transceiver)) return;
      for (const old of this.stream.getTracks()) if (old.kind === track.kind && old !== track) this.stream.removeTrack(old);
      if (!this.stream.getTracks().includes(track)) this.stream.addTrack(track);
      this.host.remoteStream(this.stream);
    };
    this.pc.onconnectionstatechange = () => this.#onConnectionState();
    this.pc.ondatachannel = ({ channel }) => {
      if (channel.label === LINK_CHANNEL_LABEL) this.#linkChannel = channel;
      else this.host.dataChannel?.(channel);
    };
    if (prepared) {
      this.#audio = prepared.audio;
      this.#video = prepared.video;
      this.#linkChannel = prepared.channel;
      this.setLocalTracks(tracks);
      this.#screen.ready();
      // The offer is made and holds the candidates gathered so far; later ones trickle as usual.
      const sdp = this.pc.localDescription?.sdp;
      if (sdp) this.host.send({ type: 'offer', to: this.remoteId, sdp });
      if (this.pc.iceGatheringState === 'complete') this.host.send({ type: 'ice-candidate', to: this.remoteId, candidate: null });
    } else if (initiate) {
      // The offerer fixes the m-line order: audio first, then video.
      this.#audio = this.pc.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendrecv' });
      this.#video = this.pc.addTransceiver(tracks.video ?? 'video', { direction: 'sendrecv' });
      // ...and puts m=application in the same offer (no renegotiation for later channels).
      this.#linkChannel = this.pc.createDataChannel(LINK_CHANNEL_LABEL);
      this.#screen.ready();
      // Offer now rather than after the browser's negotiationneeded task: it saves a task
      // turn (~15 ms in Chromium) on every call setup.
      void this.#negotiate();
    }
  }

  /** Handles signals in arrival order, one at a time. */
  handle(signal: InboundSignal): void {
    this.#queue = this.#queue.then(() => this.#handle(signal)).catch((err: unknown) => this.host.error(asError(err)));
  }

  /** Swaps what is sent; no renegotiation. */
  setLocalTracks(tracks: LocalTracks): void {
    this.tracks = tracks;
    for (const [t, track] of [
      [this.#audio, tracks.audio],
      [this.#video, tracks.video],
    ] as const) {
      if (t && t.sender.track !== track) t.sender.replaceTrack(track).catch((err: unknown) => this.host.error(asError(err)));
    }
  }

  /** Shares the local screen with this participant, or stops (`null`); renegotiates. */
  setLocalScreen(screen: LocalScreenTracks | null): void {
    if (!this.#closed) this.#screen.setLocal(screen);
  }

  /** Mids of the transceivers receiving the remote's screen, to tell its stats from the camera's. */
  screenMids(): Set<string> {
    return this.#screen.remoteMids();
  }

  /** Opens a reliable, ordered data channel to the remote participant. */
  openDataChannel(label: string): RTCDataChannel {
    if (this.#closed) throw new Error('the connection is closed');
    return this.pc.createDataChannel(label, { ordered: true });
  }

  /** Audio level 0..1 of the remote participant, from RFC 6464 header extensions. */
  audioLevel(): number {
    const receiver = this.#audio?.receiver;
    if (!receiver || typeof receiver.getSynchronizationSources !== 'function') return 0;
    const sources = receiver.getSynchronizationSources();
    // Browsers differ on the time base of `timestamp` (page-relative or epoch); accept either.
    const recent = sources.find((s) => Math.min(Math.abs(performance.now() - s.timestamp), Math.abs(Date.now() - s.timestamp)) < 1000);
    return recent?.audioLevel ?? 0;
  }

  /** Swaps in new ICE servers (fresh TURN credentials) for future gathering, e.g. an ICE restart. */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (!this.#closed) swapIceServers(this.pc, iceServers);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.ondatachannel = null;
    this.#linkChannel?.close();
    this.pc.close();
  }

  async #negotiate(): Promise<void> {
    // One offer at a time; a later negotiationneeded re-fires once we are stable again.
    if (this.#closed || this.#makingOffer || this.pc.signalingState !== 'stable') return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const sdp = this.pc.localDescription?.sdp;
      if (sdp) this.host.send({ type: 'offer', to: this.remoteId, sdp });
    } catch (err) {
      this.host.error(asError(err));
    } finally {
      this.#makingOffer = false;
    }
  }

  async #handle(signal: InboundSignal): Promise<void> {
    if (this.#closed) return;
    if (signal.type === 'ice-candidate') {
      try {
        await this.pc.addIceCandidate(signal.candidate ?? undefined);
      } catch (err) {
        if (!this.#ignoreOffer) throw err;
      }
      return;
    }
    const readyForOffer = !this.#makingOffer && (this.pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = signal.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.polite && collision;
    if (this.#ignoreOffer) return;
    this.#settingRemoteAnswer = signal.type === 'answer';
    try {
      await this.pc.setRemoteDescription({ type: signal.type, sdp: signal.sdp });
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (signal.type === 'offer') {
      this.#adoptTransceivers();
      await this.pc.setLocalDescription();
      const sdp = this.pc.localDescription?.sdp;
      if (sdp) this.host.send({ type: 'answer', to: this.remoteId, sdp });
      // The camera m-lines are ours now; a screen we share follows in our own offer.
      this.#screen.ready();
    }
    this.#screen.sync();
  }

  /**
   * The camera's transceiver of a kind: the one we created or adopted, or, before adoption
   * (inside the first remote offer), the first of that kind, since the offerer puts the camera first.
   */
  #isCamera(t: RTCRtpTransceiver): boolean {
    if (this.#screen.owns(t)) return false;
    const kind = t.receiver.track.kind;
    const mine = kind === 'audio' ? this.#audio : this.#video;
    if (mine) return t === mine;
    return this.pc.getTransceivers().find((x) => x.receiver.track.kind === kind && !this.#screen.owns(x)) === t;
  }

  /** The answerer takes the offerer's audio and video m-lines as its own and sends on them. */
  #adoptTransceivers(): void {
    for (const t of this.pc.getTransceivers()) {
      if (this.#screen.owns(t)) continue;
      const kind = t.receiver.track.kind;
      if (kind === 'audio' && !this.#audio) this.#audio = t;
      else if (kind === 'video' && !this.#video) this.#video = t;
      else continue;
      t.direction = 'sendrecv';
      const track = kind === 'audio' ? this.tracks.audio : this.tracks.video;
      if (track) t.sender.replaceTrack(track).catch((err: unknown) => this.host.error(asError(err)));
    }
  }

  #onConnectionState(): void {
    const state = this.pc.connectionState;
    this.host.connectionState(state);
    if (state === 'failed') {
      this.pc.restartIce();
    } else if (state === 'disconnected' && !this.#restartTimer) {
      // Give a brief outage a few seconds to heal before restarting ICE.
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = null;
        if (!this.#closed && this.pc.connectionState === 'disconnected') this.pc.restartIce();
      }, 3000);
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
