import { ErrorCodes, LecternError, type ClientMessage, type ScreenShareInfo } from '@lectern/protocol';
import type { RemoteParticipant } from './participant.js';
import type { MediaDevicesPort } from './ports.js';
import { ScreenCapture, type LocalScreenTracks } from './screen-capture.js';
import type { Topology } from './topology/topology.js';

/** What {@link RoomScreenShare} needs from its Room. */
export interface RoomScreenShareHost {
  /** Where getDisplayMedia lives; null when the browser has none. */
  devices(): Pick<MediaDevicesPort, 'getDisplayMedia'> | null;
  /** The current topology, if the room has one. */
  topology(): Topology | null;
  /** Whether the room is in a session (sharing needs one). */
  inSession(): boolean;
  send(message: ClientMessage): void;
  participant(id: string): RemoteParticipant | undefined;
  /** The local share started or stopped. */
  localChanged(screen: ScreenShareInfo | null): void;
  /** A remote participant's `screen` or `screenStream` changed. */
  participantChanged(participant: RemoteParticipant): void;
}

/**
 * Screen sharing within a Room: this client's capture (start, stop, the browser ending it)
 * and everyone else's screens, joining what they announce over signaling with the media the
 * topology receives.
 */
export class RoomScreenShare {
  #capture: ScreenCapture | null = null;
  #starting: Promise<void> | null = null;
  /**
   * The stream every share is sent under. It outlives captures so the msid in SDP never has
   * to change (Chromium does not reliably put a `setStreams()` change into the next offer).
   */
  #outgoing: MediaStream | null = null;
  #local: LocalScreenTracks | null = null;
  /** Screen media received per participant, with the stream id it came under. */
  readonly #received = new Map<string, { stream: MediaStream; streamId: string | null }>();

  constructor(private readonly host: RoomScreenShareHost) {}

  /** What this client shares, or null. */
  get local(): LocalScreenTracks | null {
    return this.#local;
  }

  /** What this client announces, or null. */
  get info(): ScreenShareInfo | null {
    const t = this.local;
    return t ? { streamId: t.stream.id, audio: t.audio !== null } : null;
  }

  /**
   * Opens the browser's picker and shares the chosen screen; while already sharing, replaces it
   * (a cancelled picker then keeps the old share). Throws SCREEN_SHARE_* and INVALID_STATE.
   */
  async start(): Promise<void> {
    if (!this.host.inSession()) throw new LecternError(ErrorCodes.INVALID_STATE, 'join a session before sharing your screen');
    if (this.host.topology()?.carriesScreens === false) {
      throw new LecternError(ErrorCodes.NOT_ALLOWED, 'screen sharing is not available in this session');
    }
    if (this.#starting) return this.#starting;
    this.#starting = (async () => {
      const capture = await ScreenCapture.start(this.host.devices());
      if (!this.host.inSession()) {
        capture.stop();
        throw new LecternError(ErrorCodes.INVALID_STATE, 'the session ended before sharing started');
      }
      this.#capture?.stop();
      this.#capture = capture;
      this.#local = this.#outgoingTracks(capture.tracks);
      capture.on('ended', () => {
        if (this.#capture === capture) this.stop();
      });
      this.#publish();
    })().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  /** Stops sharing; everyone goes back to the cameras. No-op when not sharing. */
  stop(): void {
    const capture = this.#capture;
    if (!capture) return;
    this.#capture = null;
    this.#local = null;
    capture.stop();
    this.#publish();
  }

  /** The capture's tracks, put in the one outgoing stream. */
  #outgoingTracks(t: LocalScreenTracks): LocalScreenTracks {
    const out = (this.#outgoing ??= new MediaStream());
    const want = [t.video, ...(t.audio ? [t.audio] : [])];
    for (const old of out.getTracks()) if (!want.includes(old)) out.removeTrack(old);
    for (const track of want) if (!out.getTracks().includes(track)) out.addTrack(track);
    return { stream: out, video: t.video, audio: t.audio };
  }

  /** Tells the topology and the session what is shared now (also after a reconnect). */
  #publish(): void {
    this.host.topology()?.setLocalScreen(this.local);
    this.announce();
    this.host.localChanged(this.info);
  }

  /** Announces the current share to the session (after joining again, say). */
  announce(): void {
    if (this.host.inSession()) this.host.send({ type: 'screen-share', screen: this.info });
  }

  /** A participant's announced share changed (`screen-share`, or their info). */
  announced(participant: RemoteParticipant, screen: ScreenShareInfo | null): void {
    const before = participant.screen;
    const changed = before?.streamId !== screen?.streamId || before?.audio !== screen?.audio;
    participant.screen = screen;
    this.#resolve(participant, changed);
  }

  /** The topology received (or lost) a participant's screen media. */
  received(participantId: string, stream: MediaStream | null, streamId: string | null): void {
    if (stream) this.#received.set(participantId, { stream, streamId });
    else this.#received.delete(participantId);
    const p = this.host.participant(participantId);
    if (p) this.#resolve(p, false);
  }

  /** The media connection to a participant was rebuilt or dropped: its screen media is gone. */
  forget(participantId: string): void {
    this.#received.delete(participantId);
    const p = this.host.participant(participantId);
    if (p) this.#resolve(p, false);
  }

  /** Stops sharing without telling anyone (the session is over) and forgets every screen. */
  close(): void {
    this.#capture?.stop();
    this.#capture = null;
    this.#local = null;
    this.#received.clear();
  }

  /**
   * A participant's screen is shown once they announce it and its media has arrived under
   * the announced stream id (a topology that cannot tell the id is trusted).
   */
  #resolve(p: RemoteParticipant, announcementChanged: boolean): void {
    const got = this.#received.get(p.id);
    const matches = got && p.screen && (got.streamId === null || got.streamId === p.screen.streamId);
    const stream = matches ? got.stream : null;
    if (stream === p.screenStream && !announcementChanged) return;
    p.screenStream = stream;
    this.host.participantChanged(p);
  }
}
