import type { MediaState, ParticipantInfo, Role, ScreenShareInfo, ServerMessage } from '@lectern/protocol';

/** How the domain reaches a participant's client; implemented by the signaling connection. */
export interface ParticipantLink {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

/** One person in a session. */
export class Participant {
  /** The screen they share, or null. */
  screen: ScreenShareInfo | null = null;
  /**
   * Media a host or co-host turned off, which stays off (the SFU forwards none of it) until
   * the participant turns it back on themselves.
   */
  readonly forcedOff = { audio: false, video: false };

  constructor(
    readonly id: string,
    public name: string,
    public media: MediaState,
    public link: ParticipantLink,
    public role: Role = 'participant',
  ) {}

  /** What other members see. */
  info(): ParticipantInfo {
    const info: ParticipantInfo = { id: this.id, name: this.name, muted: this.media.muted, cameraOff: this.media.cameraOff, role: this.role };
    if (this.screen) info.screen = this.screen;
    return info;
  }
}
