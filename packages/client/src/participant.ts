import type { ParticipantInfo, Role, ScreenShareInfo } from '@lectern/protocol';

/** How the media link to a remote participant is doing, in terms a UI can show. */
export type ParticipantConnection = 'connecting' | 'connected' | 'unstable' | 'failed' | 'reconnecting';

/** Someone else in the session, as this client sees them. Read-only for apps. */
export class RemoteParticipant {
  /** Their audio and video, once it arrives. */
  stream: MediaStream | null = null;
  /** Recent audio level 0..1. */
  audioLevel = 0;
  /** True while their audio level says they are talking. */
  speaking = false;
  connection: ParticipantConnection = 'connecting';
  /** The screen they announced they share, or null. Set before its media arrives. */
  screen: ScreenShareInfo | null = null;
  /** Their shared screen's video (and audio, when shared) once it arrives; null otherwise. */
  screenStream: MediaStream | null = null;

  constructor(
    readonly id: string,
    public name: string,
    public muted: boolean,
    public cameraOff: boolean,
    /** What they may do in the session: `host`, `cohost` or `participant`. */
    public role: Role = 'participant',
  ) {}

  /** @internal Applies what the server says about them. */
  update(info: ParticipantInfo): void {
    this.name = info.name;
    this.role = info.role;
    this.muted = info.muted;
    this.cameraOff = info.cameraOff;
  }
}

/** This client in the session. */
export interface LocalParticipantState {
  id: string;
  name: string;
  muted: boolean;
  cameraOff: boolean;
  /** What this client may do in the session; the server grants it (`host` for a session's creator). */
  role: Role;
  audioLevel: number;
  speaking: boolean;
  /** The screen this client shares, or null. */
  screen: ScreenShareInfo | null;
}

/**
 * Turns a level stream into a stable speaking flag: on above `on`, off only after staying
 * below `off` for `holdMs` (so the indicator doesn't flicker between syllables).
 */
export class SpeakingDetector {
  #speaking = false;
  #quietSince: number | null = null;

  constructor(
    private readonly on = 0.05,
    private readonly off = 0.02,
    private readonly holdMs = 600,
  ) {}

  /** Feeds a level; returns the current flag. */
  update(level: number, now: number): boolean {
    if (level >= this.on) {
      this.#speaking = true;
      this.#quietSince = null;
    } else if (this.#speaking && level < this.off) {
      this.#quietSince ??= now;
      if (now - this.#quietSince >= this.holdMs) this.#speaking = false;
    } else if (this.#speaking) {
      this.#quietSince = null; // soft speech between the thresholds still counts as speaking
    }
    return this.#speaking;
  }
}
