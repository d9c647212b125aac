import type { MediaState, ParticipantInfo, ServerMessage } from '@lectern/protocol';

/** How the domain reaches a participant's client; implemented by the signaling connection. */
export interface ParticipantLink {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

/** One person in a session. */
export class Participant {
  constructor(
    readonly id: string,
    public name: string,
    public media: MediaState,
    public link: ParticipantLink,
  ) {}

  /** What other members see. */
  info(): ParticipantInfo {
    return { id: this.id, name: this.name, muted: this.media.muted, cameraOff: this.media.cameraOff };
  }
}
