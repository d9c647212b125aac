import {
  ErrorCodes,
  LecternError,
  REACTIONS,
  type ClientMessage,
  type ModerationAction,
  type Person,
  type RaisedHand,
  type Reaction,
  type Role,
  type ServerMessage,
  type Spotlight,
} from '@lectern/protocol';
import { TypedEmitter } from './emitter.js';

/** The session's classroom controls as this client may see them. */
export interface ClassroomState {
  /** No new joins while locked. */
  locked: boolean;
  /** Joiners wait in the lobby until a host admits them. */
  lobby: boolean;
  /** What everyone sees large, or null. */
  spotlight: Spotlight | null;
  /** Raised hands, oldest first: all of them for hosts and co-hosts, only one's own otherwise. */
  hands: RaisedHand[];
  /** Joiners waiting in the lobby (hosts and co-hosts only; empty for others). */
  waiting: Person[];
}

/** A host or co-host did something: `by` did `action` to `target` (null: the whole session). */
export interface ModerationNotice {
  action: ModerationAction;
  by: Person;
  target: Person | null;
  /** True when the receiver is the target (or, for `mute-all`, one of those muted). */
  toMe: boolean;
}

/** Events of {@link Moderation}: the single list. */
export type ModerationEvents = {
  /** The controls changed: lock, lobby, spotlight, raised hands or the lobby queue. */
  changed: [state: ClassroomState];
  /** A host or co-host did something; the SDK has already complied when it was aimed at us. */
  notice: [notice: ModerationNotice];
  /** Someone (perhaps this client) sent a reaction. */
  reaction: [participantId: string, emoji: Reaction];
};

/** What {@link Moderation} needs from its Room. */
export interface ModerationHost {
  /** Sends when in a session; false otherwise. */
  send(message: ClientMessage): boolean;
  self(): { id: string; role: Role } | null;
  /** Turns our own media off, as a host asked (mesh mode relies on it; the SFU enforces too). */
  comply(action: 'mute' | 'camera-off' | 'stop-screen'): void;
  /** A host removed us from the session. */
  removed(by: Person): void;
}

const EMPTY: ClassroomState = { locked: false, lobby: false, spotlight: null, hands: [], waiting: [] };
const RANK: Record<Role, number> = { participant: 0, cohost: 1, host: 2 };

/**
 * Classroom controls for a {@link Room}: host and co-host actions, the lobby, raised hands,
 * reactions and spotlight. The server checks every action against the sender's role; these
 * methods check first too and throw LecternError `NOT_ALLOWED` (or `INVALID_STATE` when not
 * in a session) so a UI hears of a mistake at once.
 */
export class Moderation extends TypedEmitter<ModerationEvents> {
  #state: ClassroomState = EMPTY;

  constructor(private readonly host: ModerationHost) {
    super();
  }

  /** The controls as this client may see them. */
  get state(): ClassroomState {
    return this.#state;
  }

  /** Whether this client's hand is raised. */
  get handRaised(): boolean {
    const me = this.host.self();
    return !!me && this.#state.hands.some((h) => h.participantId === me.id);
  }

  /** Whether this client may use host controls (it is the host or a co-host). */
  get isHost(): boolean {
    const me = this.host.self();
    return !!me && RANK[me.role] >= RANK.cohost;
  }

  /** The reactions the server accepts. */
  get reactions(): readonly Reaction[] {
    return REACTIONS;
  }

  /** Mutes a participant; only they can unmute themselves. Host or co-host. */
  mute(participantId: string): void {
    this.#act('cohost', { type: 'mute', participantId });
  }

  /** Mutes every participant who is not a host or co-host. */
  muteAll(): void {
    this.#act('cohost', { type: 'mute-all' });
  }

  /** Turns a participant's camera off; only they can turn it back on. */
  turnCameraOff(participantId: string): void {
    this.#act('cohost', { type: 'camera-off', participantId });
  }

  /** Stops a participant's screen share. */
  stopScreenShare(participantId: string): void {
    this.#act('cohost', { type: 'stop-screen', participantId });
  }

  /** Removes a participant from the session for good. */
  remove(participantId: string): void {
    this.#act('cohost', { type: 'remove', participantId });
  }

  /** Host only: makes a member a co-host (`true`) or takes it back (`false`). */
  setCohost(participantId: string, cohost: boolean): void {
    this.#act('host', { type: 'set-role', participantId, role: cohost ? 'cohost' : 'participant' });
  }

  /** Host only: hands the host role over; this client becomes a co-host. */
  makeHost(participantId: string): void {
    this.#act('host', { type: 'make-host', participantId });
  }

  /** Locks the session (no new joins) or unlocks it. */
  setLocked(locked: boolean): void {
    this.#act('cohost', { type: 'set-lock', locked });
  }

  /** Turns the lobby on or off (off lets everyone waiting in). */
  setLobby(enabled: boolean): void {
    this.#act('cohost', { type: 'set-lobby', enabled });
  }

  /** Lets one waiting joiner in. */
  admit(participantId: string): void {
    this.#act('cohost', { type: 'admit', participantId });
  }

  /** Lets everyone waiting in. */
  admitAll(): void {
    this.#act('cohost', { type: 'admit-all' });
  }

  /** Turns a waiting joiner away. */
  deny(participantId: string): void {
    this.#act('cohost', { type: 'deny', participantId });
  }

  /** Raises or lowers this client's own hand. */
  raiseHand(raised = true): void {
    this.#act('participant', { type: 'raise-hand', raised });
  }

  /** Lowers someone's raised hand. Host or co-host. */
  lowerHand(participantId: string): void {
    this.#act('cohost', { type: 'lower-hand', participantId });
  }

  /** Sends a reaction; everyone sees it briefly on this client's tile. */
  react(emoji: Reaction): void {
    this.#act('participant', { type: 'reaction', emoji });
  }

  /** Spotlights a member's camera (or, with `screen`, their shared screen) for everyone; null clears it. */
  spotlight(target: Spotlight | null): void {
    this.#act('cohost', { type: 'spotlight', spotlight: target });
  }

  #act(least: Role, message: ClientMessage): void {
    const me = this.host.self();
    if (!me) throw new LecternError(ErrorCodes.INVALID_STATE, 'join a session first');
    if (RANK[me.role] < RANK[least]) throw new LecternError(ErrorCodes.NOT_ALLOWED, `only ${least === 'host' ? 'the host' : 'a host or co-host'} may do that`);
    if (!this.host.send(message)) throw new LecternError(ErrorCodes.SERVER_UNREACHABLE, 'not connected to the server');
  }

  /** @internal Takes the server's classroom messages; returns false for any other. */
  handle(m: ServerMessage): boolean {
    switch (m.type) {
      case 'room-state': {
        const { type: _type, ...state } = m;
        this.#state = state;
        this.emit('changed', this.#state);
        return true;
      }
      case 'moderation': {
        const me = this.host.self();
        const toMe = !!me && (m.target?.id === me.id || (m.action === 'mute-all' && me.role === 'participant'));
        if (toMe) this.#comply(m.action, m.by);
        this.emit('notice', { action: m.action, by: m.by, target: m.target, toMe });
        return true;
      }
      case 'reaction':
        this.emit('reaction', m.from, m.emoji);
        return true;
      default:
        return false;
    }
  }

  #comply(action: ModerationAction, by: Person): void {
    switch (action) {
      case 'mute':
      case 'mute-all':
        return this.host.comply('mute');
      case 'camera-off':
        return this.host.comply('camera-off');
      case 'stop-screen':
        return this.host.comply('stop-screen');
      case 'remove':
        return this.host.removed(by);
      default:
        return; // the rest need nothing from this client
    }
  }

  /** @internal Forgets the session's controls (after leaving). */
  reset(): void {
    this.#state = EMPTY;
    this.emit('changed', this.#state);
  }
}
