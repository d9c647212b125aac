import {
  ErrorCodes,
  LecternError,
  type ClientMessageOf,
} from '@lectern/protocol';
import type { ChatService } from '../chat/chat-service.js';
import type { WaitingJoiner } from '../rooms/controls.js';
import { Participant } from '../rooms/participant.js';
import type { RoomRegistry } from '../rooms/registry.js';
import { atLeast, decideRole, hostKeyMatches } from '../rooms/roles.js';
import type { Room } from '../rooms/room.js';
import type { SfuMediaPlane } from '../sfu/sfu.js';
import { CloseCodes, type Connection } from './connection.js';
import type { ResumeTokens } from './resume-token.js';

/** Most joiners one session's lobby holds: twice its size, and at least 50. */
export function lobbyLimit(room: Room): number {
  return Math.max(50, 2 * room.maxParticipants);
}

/** What admission needs from signaling. */
export interface AdmissionHost {
  readonly rooms: RoomRegistry;
  readonly tokens: ResumeTokens;
  readonly chat: ChatService;
  /** The SFU; throws INTERNAL when the server runs without one. */
  sfu(): SfuMediaPlane;
  asLecternError(err: unknown, conn: Connection, ref: string): LecternError;
}

/**
 * Who gets into a session, and as what: removal bans, the role decision, the lock and the
 * lobby, then entering (`joined`, chat history, controls, SFU connections).
 */
export class Admission {
  constructor(private readonly host: AdmissionHost) {}

  join(conn: Connection, msg: ClientMessageOf<'join'>): void {
    if (conn.waitingIn?.closed) this.leaveLobby(conn); // its session ended while it waited
    if (conn.state === 'joined' || conn.state === 'waiting') {
      const message = conn.state === 'joined' ? 'leave your current session first' : 'you are already waiting in a lobby';
      conn.send({ type: 'join-error', code: ErrorCodes.ALREADY_JOINED, message });
      return;
    }
    try {
      let room = this.host.rooms.get(msg.code);
      if (!room && conn.resumableCode === msg.code) room = this.host.rooms.restore(msg.code);
      if (!room) throw new LecternError(ErrorCodes.ROOM_NOT_FOUND, 'no session has this code; check it and try again');
      const { controls } = room;
      if (controls.isBanned(conn.participantId, conn.grant?.identity ?? undefined)) {
        throw new LecternError(ErrorCodes.REMOVED, 'you were removed from this session by a host and cannot rejoin it');
      }
      const remembered = controls.rememberedRole(conn.participantId);
      const role = decideRole({
        remembered,
        resumed: conn.resumableCode === room.code ? conn.resumedRole : null,
        hostKey: hostKeyMatches(controls.hostKey, msg.hostKey),
        granted: conn.grant?.role ?? null,
      });
      // Members coming back, hosts and co-hosts pass the lock and the lobby.
      const returning = remembered !== null || room.get(conn.participantId) !== undefined;
      if (!returning && !atLeast(role, 'cohost')) {
        if (controls.locked) throw new LecternError(ErrorCodes.ROOM_LOCKED, 'this session is locked; the host is not letting anyone new in');
        if (controls.lobby) {
          if (controls.waiting.size >= lobbyLimit(room)) throw new LecternError(ErrorCodes.ROOM_FULL, 'too many people are waiting to join this session; try again later');
          return this.#wait(conn, room, { id: conn.participantId, name: msg.name, media: msg.media, role, link: conn });
        }
      }
      this.enter(conn, room, { name: msg.name, media: msg.media, role });
    } catch (err) {
      const e = this.host.asLecternError(err, conn, 'join');
      conn.send({ type: 'join-error', code: e.code, message: e.message });
    }
  }

  /** Parks a joiner in the session's lobby until a host admits or denies them. */
  #wait(conn: Connection, room: Room, joiner: WaitingJoiner): void {
    room.controls.waiting.set(joiner.id, joiner);
    conn.waitingIn = room;
    conn.transition('waiting');
    conn.send({ type: 'lobby-waiting', code: room.code });
    room.publishControls(true);
    conn.log.info({ code: room.code }, 'waiting in lobby');
  }

  /**
   * Puts a connection into a session (a direct join, or one admitted from the lobby). Throws
   * ROOM_FULL and the like; the caller answers with `join-error`.
   */
  enter(conn: Connection, room: Room, joiner: Pick<WaitingJoiner, 'name' | 'media' | 'role'>): void {
    const existing = room.get(conn.participantId);
    let participant: Participant;
    if (existing) {
      // The same person on a new connection (the old one has not noticed it is dead yet).
      const old = existing.link as Connection;
      old.detached = true;
      old.room = null; // the old socket must not speak for this participant any more
      old.participant = null;
      old.close(CloseCodes.REPLACED, 'replaced by a newer connection');
      existing.link = conn;
      existing.name = joiner.name;
      existing.media = joiner.media;
      existing.screen = null; // the new connection announces its screen again if it still shares
      participant = existing;
      room.reattach(participant);
      if (joiner.role !== existing.role) room.setRole(existing.id, joiner.role);
    } else {
      participant = new Participant(conn.participantId, joiner.name, joiner.media, conn, joiner.role);
      room.add(participant);
    }
    conn.waitingIn = null;
    conn.room = room;
    conn.participant = participant;
    conn.transition('joined');
    conn.send({
      type: 'joined',
      code: room.code,
      self: participant.info(),
      participants: [...room.participants.values()].filter((p) => p !== participant).map((p) => p.info()),
      topology: room.topology,
      maxParticipants: room.maxParticipants,
      resumeToken: this.host.tokens.issue(participant.id, room.code, participant.role),
    });
    conn.send({ type: 'chat-history', messages: this.host.chat.history(room, participant) });
    conn.send(room.controls.stateFor(participant.id, participant.role));
    // A (re)joining participant starts its SFU connections afresh, as it does in mesh.
    if (room.topology === 'sfu') this.sfuJoin(room, participant);
    conn.log.info({ code: room.code, size: room.size, role: participant.role, resumed: existing !== undefined }, 'joined session');
  }

  /** Starts a member's SFU connections, with any media a host turned off still held back. */
  sfuJoin(room: Room, p: Participant): void {
    this.host.sfu().join(room.code, p.id);
    if (p.forcedOff.audio || p.forcedOff.video) this.host.sfu().setForcedOff(room.code, p.id, p.forcedOff);
  }

  /** A joiner waiting in a lobby gave up (left or closed the connection). */
  leaveLobby(conn: Connection): void {
    const lobby = conn.waitingIn;
    if (!lobby) return;
    conn.waitingIn = null;
    if (lobby.controls.waiting.get(conn.participantId)?.link === conn) {
      lobby.controls.waiting.delete(conn.participantId);
      lobby.publishControls(true);
    }
    if (conn.state === 'waiting') conn.transition('ready');
  }
}
