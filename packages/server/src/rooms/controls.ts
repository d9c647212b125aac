import type { MediaState, Role, ServerMessageOf, Spotlight } from '@lectern/protocol';
import type { ParticipantLink } from './participant.js';
import { atLeast, newHostKey } from './roles.js';

/** Someone in the lobby: asked to join, not yet admitted. Sees nothing of the session. */
export interface WaitingJoiner {
  id: string;
  name: string;
  media: MediaState;
  role: Role;
  link: ParticipantLink;
}

/**
 * A session's classroom controls: the host credential, lock, lobby, raised hands, spotlight,
 * who was removed, and the roles of members who may come back. Pure state; the rules of
 * who may change it live in signaling's moderation handler.
 */
export class RoomControls {
  /** The host credential handed to the creator in `created`. */
  readonly hostKey = newHostKey();
  locked = false;
  lobby = false;
  spotlight: Spotlight | null = null;
  /** Joiners waiting in the lobby, in arrival order. */
  readonly waiting = new Map<string, WaitingJoiner>();
  /** Raised hands, oldest first (a Map keeps insertion order): participant id → name. */
  readonly hands = new Map<string, string>();
  /** Identities removed from this session: participant ids, and external identities. */
  readonly #banned = new Set<string>();
  /** The last role of every member who joined, so one who comes back keeps it. */
  readonly #roles = new Map<string, Role>();

  ban(...identities: Array<string | undefined>): void {
    for (const id of identities) if (id) this.#banned.add(id);
  }

  isBanned(...identities: Array<string | undefined>): boolean {
    return identities.some((id) => id !== undefined && this.#banned.has(id));
  }

  rememberRole(id: string, role: Role): void {
    this.#roles.set(id, role);
  }

  rememberedRole(id: string): Role | null {
    return this.#roles.get(id) ?? null;
  }

  /** The controls as a member with `role` (and id `viewerId`) may see them. */
  stateFor(viewerId: string, role: Role): ServerMessageOf<'room-state'> {
    const staff = atLeast(role, 'cohost');
    const hands = [...this.hands].filter(([id]) => staff || id === viewerId).map(([participantId, name]) => ({ participantId, name }));
    return {
      type: 'room-state',
      locked: this.locked,
      lobby: this.lobby,
      spotlight: this.spotlight,
      hands,
      waiting: staff ? [...this.waiting.values()].map((w) => ({ id: w.id, name: w.name })) : [],
    };
  }
}
