import { ErrorCodes, LecternError, type Role, type ServerMessage } from '@lectern/protocol';
import { RoomControls } from './controls.js';
import type { Participant } from './participant.js';
import { OPEN_ACCESS, type RoomAccess } from '../access/room-access.js';

/** Why a participant left; mirrors the wire's `participant-left.reason`. */
export type LeaveReason = 'left' | 'disconnected' | 'timeout' | 'removed';

/** The messages a member may address to exactly one other member. */
export type DirectSignal =
  | Extract<ServerMessage, { type: 'offer' }>
  | Extract<ServerMessage, { type: 'answer' }>
  | Extract<ServerMessage, { type: 'ice-candidate' }>;

/** How a session carries media. */
export type Topology = 'mesh' | 'sfu';

/** How a room picks its topology: always one, or `auto` (mesh up to `threshold` people, SFU above). */
export interface TopologyPolicy {
  mode: Topology | 'auto';
  threshold: number;
}

/** Hooks the registry uses to learn when a room empties, and signaling when media moves. */
export interface RoomOwner {
  roomEmptied(room: Room): void;
  roomOccupied(room: Room): void;
  /**
   * The room moved to another topology; called before the members are told of the join or
   * leave that caused it. `newcomerId` is the joiner whose own `joined` will say it.
   */
  topologyChanged?(room: Room, topology: Topology, newcomerId?: string): void;
}

const MESH_ONLY: TopologyPolicy = { mode: 'mesh', threshold: Infinity };

/** A session: its members, and the rule that messages only travel between them. */
export class Room {
  readonly participants = new Map<string, Participant>();
  /** Host credential, lock, lobby, hands, spotlight, removals, remembered roles. */
  readonly controls = new RoomControls();
  #closed = false;
  #topology: Topology;

  constructor(
    readonly code: string,
    readonly maxParticipants: number,
    private readonly owner: RoomOwner,
    private readonly policy: TopologyPolicy = MESH_ONLY,
    /** Its password and class room settings; checked before a join reaches the room. */
    readonly access: RoomAccess = OPEN_ACCESS,
  ) {
    this.#topology = policy.mode === 'sfu' ? 'sfu' : 'mesh';
  }

  /** How this session carries media now. */
  get topology(): Topology {
    return this.#topology;
  }

  get size(): number {
    return this.participants.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  /** Adds a member and tells the others. Throws ROOM_FULL. */
  add(participant: Participant): void {
    if (this.#closed) throw new LecternError(ErrorCodes.ROOM_NOT_FOUND, 'this session has ended');
    if (this.participants.has(participant.id)) throw new LecternError(ErrorCodes.ALREADY_JOINED, 'already in this session');
    if (this.participants.size >= this.maxParticipants) {
      throw new LecternError(ErrorCodes.ROOM_FULL, `this session is full (${this.maxParticipants} people)`);
    }
    const wasEmpty = this.participants.size === 0;
    this.participants.set(participant.id, participant);
    this.controls.rememberRole(participant.id, participant.role);
    if (participant.role === 'host') this.#demoteOtherHosts(participant.id);
    this.#retopologize(participant.id);
    this.broadcast({ type: 'participant-joined', participant: participant.info() }, participant.id);
    if (wasEmpty) this.owner.roomOccupied(this);
  }

  /**
   * A member came back on a new connection while the old one was still open: swap the link
   * and announce them again so the others rebuild their media connection to them.
   */
  reattach(participant: Participant): void {
    this.broadcast({ type: 'participant-joined', participant: participant.info() }, participant.id);
  }

  /**
   * Gives a member a role and tells everyone. A session has one host: a new host makes the
   * previous one a co-host.
   */
  setRole(id: string, role: Role): void {
    const p = this.participants.get(id);
    if (!p) throw new LecternError(ErrorCodes.PARTICIPANT_NOT_FOUND, `no participant "${id}" in this session`);
    if (role === 'host') this.#demoteOtherHosts(id);
    this.#applyRole(p, role);
  }

  #demoteOtherHosts(hostId: string): void {
    for (const other of this.participants.values()) if (other.id !== hostId && other.role === 'host') this.#applyRole(other, 'cohost');
  }

  #applyRole(p: Participant, role: Role): void {
    if (p.role === role) return;
    p.role = role;
    this.controls.rememberRole(p.id, role);
    this.broadcast({ type: 'role', participantId: p.id, role });
  }

  /** Removes a member (no-op when absent) and tells the others why. */
  remove(id: string, reason: LeaveReason): boolean {
    if (!this.participants.delete(id)) return false;
    const hadHand = this.controls.hands.delete(id);
    const spotlit = this.controls.spotlight?.participantId === id;
    if (spotlit) this.controls.spotlight = null;
    this.#retopologize();
    this.broadcast({ type: 'participant-left', participantId: id, reason });
    if (hadHand || spotlit) this.publishControls(!spotlit);
    if (this.participants.size === 0) this.owner.roomEmptied(this);
    return true;
  }

  /**
   * Under `auto`, moves to the SFU when the session grows past the threshold and back to mesh
   * when it shrinks to two; the members (but `newcomerId`, whose `joined` says it) are told.
   */
  #retopologize(newcomerId?: string): void {
    if (this.policy.mode !== 'auto') return;
    const size = this.participants.size;
    const next: Topology = this.#topology === 'mesh' && size > this.policy.threshold ? 'sfu' : this.#topology === 'sfu' && size <= 2 ? 'mesh' : this.#topology;
    if (next === this.#topology) return;
    this.#topology = next;
    this.owner.topologyChanged?.(this, next, newcomerId);
    this.broadcast({ type: 'topology', topology: next }, newcomerId);
  }

  /** Delivers a signal from one member to another. Throws PARTICIPANT_NOT_FOUND / NOT_ALLOWED. */
  relay(fromId: string, toId: string, message: DirectSignal): void {
    if (!this.participants.has(fromId)) throw new LecternError(ErrorCodes.NOT_JOINED, 'not a member of this session');
    if (fromId === toId) throw new LecternError(ErrorCodes.NOT_ALLOWED, 'cannot signal yourself');
    const target = this.participants.get(toId);
    if (!target) throw new LecternError(ErrorCodes.PARTICIPANT_NOT_FOUND, `no participant "${toId}" in this session`);
    target.link.send(message);
  }

  /** Sends each member (or only hosts and co-hosts) the controls as their role may see them. */
  publishControls(staffOnly = false): void {
    for (const p of this.participants.values()) {
      if (staffOnly && p.role === 'participant') continue;
      p.link.send(this.controls.stateFor(p.id, p.role));
    }
  }

  /** Sends to every member except `exceptId`. */
  broadcast(message: ServerMessage, exceptId?: string): void {
    for (const p of this.participants.values()) if (p.id !== exceptId) p.link.send(message);
  }

  /**
   * Ends the session; members are not told (the caller closes their connections), joiners
   * still waiting in the lobby are. Idempotent.
   */
  close(): void {
    this.#closed = true;
    this.participants.clear();
    for (const w of this.controls.waiting.values()) w.link.send({ type: 'join-error', code: ErrorCodes.ROOM_NOT_FOUND, message: 'this session has ended' });
    this.controls.waiting.clear();
  }
}
