import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ErrorCodes,
  LecternError,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  assertNever,
  type ClientMessage,
  type ClientMessageOf,
  type DataLinkEnd,
  type IceServer,
  type ServerMessage,
} from '@lectern/protocol';
import type { AccessControl } from '../access/access-control.js';
import type { ChatService } from '../chat/chat-service.js';
import type { SfuClientMessage, SfuMediaPlane } from '../sfu/sfu.js';
import type { RoomRegistry } from '../rooms/registry.js';
import type { LeaveReason, Room } from '../rooms/room.js';
import { CloseCodes, type Connection, type ConnectionHandler } from './connection.js';
import { Admission } from './admission.js';
import { InOrder } from './in-order.js';
import { AccessRequests } from './access-requests.js';
import { Moderation } from './moderation.js';
import type { ResumeTokens } from './resume-token.js';

/** ICE servers for one participant, and when their credentials stop working (null: never). */
export interface IceServerGrant {
  iceServers: IceServer[];
  expiresAt: number | null;
}

/** Signaling settings. */
export interface SignalingOptions {
  heartbeatTimeoutMs: number;
  /** A socket that has not completed `hello` this long after opening is closed. */
  handshakeTimeoutMs: number;
  /** ICE servers (with fresh TURN credentials) for a participant reached through `host`. */
  iceServers: (participant: { participantId: string; host: string | null }) => IceServerGrant;
}

/**
 * The signaling protocol: handshake, sessions, relay between members of one session, and
 * heartbeats. One instance per server; every connection reports here.
 */
export class SignalingService implements ConnectionHandler {
  readonly connections = new Set<Connection>();
  /** Answers in message order, around the asynchronous steps (password hashes, token checks). */
  readonly #inOrder = new InOrder<Connection, ClientMessage>({
    dispatch: (conn, message) => this.#dispatch(conn, message),
    limit: 256,
    overflow: (conn) => conn.close(CloseCodes.POLICY, 'too many messages while a request was checked'),
    open: (conn) => conn.state !== 'closed',
  });
  #sweep: NodeJS.Timeout;
  #sweepEveryMs: number;
  #lastSweepAt = Date.now();
  readonly #moderation: Moderation;
  readonly #admission: Admission;
  readonly #access: AccessRequests;

  constructor(
    private readonly rooms: RoomRegistry,
    private readonly tokens: ResumeTokens,
    private readonly options: SignalingOptions,
    private readonly log: Logger,
    private readonly chat: ChatService,
    private readonly sfu: SfuMediaPlane | null,
    access: AccessControl,
  ) {
    this.#sweepEveryMs = Math.max(250, Math.floor(Math.min(options.heartbeatTimeoutMs, options.handshakeTimeoutMs) / 4));
    this.#sweep = setInterval(() => this.#expireSilent(), this.#sweepEveryMs);
    this.#sweep.unref();
    rooms.onTopologyChanged = (room, topology, newcomerId) => this.#topologyChanged(room, topology, newcomerId);
    this.#admission = new Admission({
      rooms,
      tokens,
      chat,
      sfu: () => this.#sfu(),
      asLecternError: (err, conn, ref) => this.#asLecternError(err, conn, ref),
    });
    this.#access = new AccessRequests({
      access,
      admission: this.#admission,
      inOrder: this.#inOrder,
      replyError: (conn, err, ref) => this.#replyError(conn, err, ref),
      asLecternError: (err, conn, ref) => this.#asLecternError(err, conn, ref),
    });
    this.#moderation = new Moderation({
      enter: (conn, room, joiner) => this.#admission.enter(conn, room, joiner),
      sfu,
      replyError: (conn, err, ref) => this.#replyError(conn, err, ref),
      resumeToken: (p, room, role) => tokens.issue(p.id, room.code, role),
      log,
    });
  }

  add(connection: Connection): void {
    this.connections.add(connection);
  }

  handle(conn: Connection, message: ClientMessage): void {
    this.#inOrder.push(conn, message);
  }

  #dispatch(conn: Connection, message: ClientMessage): void {
    if (message.type !== 'hello' && conn.state === 'handshake') {
      conn.sendError(ErrorCodes.HANDSHAKE_REQUIRED, 'send "hello" first', message.type);
      return;
    }
    switch (message.type) {
      case 'hello':
        return this.#hello(conn, message);
      case 'create':
        return this.#access.create(conn, message);
      case 'join':
        return this.#access.join(conn, message);
      case 'create-class-room':
        return this.#access.createClassRoom(conn, message);
      case 'leave':
        return this.#leave(conn, 'left');
      case 'offer':
      case 'answer':
      case 'ice-candidate':
        return this.#relay(conn, message);
      case 'media-state':
        return this.#mediaState(conn, message);
      case 'screen-share':
        return this.#screenShare(conn, message);
      case 'chat-send':
        return this.#chatSend(conn, message);
      case 'sfu-publish':
      case 'sfu-subscribe-answer':
      case 'sfu-candidate':
      case 'sfu-view':
        return this.#sfuSignal(conn, message);
      case 'ping':
        conn.send({ type: 'pong', t: message.t });
        return;
      case 'mute':
      case 'mute-all':
      case 'camera-off':
      case 'stop-screen':
      case 'remove':
      case 'set-role':
      case 'make-host':
      case 'set-lock':
      case 'set-lobby':
      case 'admit':
      case 'admit-all':
      case 'deny':
      case 'raise-hand':
      case 'lower-hand':
      case 'reaction':
      case 'spotlight':
        return this.#moderation.handle(conn, message);
      default:
        return assertNever(message, 'client message');
    }
  }

  closed(conn: Connection): void {
    this.connections.delete(conn);
    if (conn.iceRefresh) clearTimeout(conn.iceRefresh);
    if (!conn.detached) this.#leave(conn, 'disconnected');
    conn.log.debug('connection closed');
  }

  #hello(conn: Connection, msg: ClientMessageOf<'hello'>): void {
    if (conn.state !== 'handshake') {
      conn.sendError(ErrorCodes.NOT_ALLOWED, 'the handshake is already done', 'hello');
      return;
    }
    if (msg.v !== PROTOCOL_VERSION) {
      conn.sendError(ErrorCodes.VERSION_MISMATCH, `this server speaks protocol v${PROTOCOL_VERSION}, not v${msg.v}`, 'hello');
      conn.close(CloseCodes.POLICY, 'protocol version mismatch');
      return;
    }
    const claim = msg.resume ? this.tokens.verify(msg.resume) : null;
    conn.participantId = claim?.participantId ?? randomBytes(9).toString('base64url');
    conn.resumableCode = claim?.code ?? null;
    conn.resumedRole = claim?.role ?? null;
    conn.transition('ready');
    conn.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      participantId: conn.participantId,
      resumed: claim !== null,
      heartbeatMs: Math.floor(this.options.heartbeatTimeoutMs / 3),
      maxMessageBytes: MAX_MESSAGE_BYTES,
      iceServers: this.#grantIceServers(conn),
    });
  }

  /** ICE servers for a connection; schedules `ice-servers` with new credentials before they expire. */
  #grantIceServers(conn: Connection): IceServer[] {
    const grant = this.options.iceServers({ participantId: conn.participantId, host: conn.requestHost });
    if (conn.iceRefresh) clearTimeout(conn.iceRefresh);
    conn.iceRefresh = null;
    if (grant.expiresAt !== null) {
      // Renew when 80% of the lifetime has passed, so a slow network still gets them in time.
      const delay = Math.max(1000, Math.floor((grant.expiresAt - Date.now()) * 0.8));
      conn.iceRefresh = setTimeout(() => {
        if (conn.state === 'closed') return;
        conn.send({ type: 'ice-servers', iceServers: this.#grantIceServers(conn) });
      }, delay);
      conn.iceRefresh.unref();
    }
    return grant.iceServers;
  }

  #leave(conn: Connection, reason: LeaveReason): void {
    this.#admission.leaveLobby(conn);
    const { room, participant } = conn;
    if (!room || !participant) return;
    conn.room = null;
    conn.participant = null;
    if (participant.link === conn && room.remove(participant.id, reason)) {
      this.sfu?.leave(room.code, participant.id);
      conn.log.info({ code: room.code, reason, size: room.size }, 'left session');
    }
    if (conn.state === 'joined') conn.transition('ready');
  }

  #relay(conn: Connection, msg: ClientMessageOf<'offer' | 'answer' | 'ice-candidate'>): void {
    const { room } = conn;
    if (!room) {
      conn.sendError(ErrorCodes.NOT_JOINED, 'join a session before signaling', msg.type);
      return;
    }
    try {
      const from = conn.participantId;
      switch (msg.type) {
        case 'offer':
        case 'answer':
          room.relay(from, msg.to, { type: msg.type, from, sdp: msg.sdp, ...dataLink(msg) });
          break;
        case 'ice-candidate':
          room.relay(from, msg.to, { type: 'ice-candidate', from, candidate: msg.candidate, ...dataLink(msg) });
          break;
        default:
          assertNever(msg, 'relayed message');
      }
    } catch (err) {
      this.#replyError(conn, err, msg.type);
    }
  }

  #mediaState(conn: Connection, msg: ClientMessageOf<'media-state'>): void {
    const { room, participant } = conn;
    if (!room || !participant) {
      conn.sendError(ErrorCodes.NOT_JOINED, 'join a session first', 'media-state');
      return;
    }
    participant.media = { muted: msg.muted, cameraOff: msg.cameraOff };
    this.#moderation.mediaChanged(room, participant);
    room.broadcast({ type: 'media-state', from: participant.id, muted: msg.muted, cameraOff: msg.cameraOff }, participant.id);
  }

  #screenShare(conn: Connection, msg: ClientMessageOf<'screen-share'>): void {
    const { room, participant } = conn;
    if (!room || !participant) {
      conn.sendError(ErrorCodes.NOT_JOINED, 'join a session first', 'screen-share');
      return;
    }
    participant.screen = msg.screen;
    room.broadcast({ type: 'screen-share', from: participant.id, screen: msg.screen }, participant.id);
    if (!msg.screen) this.#moderation.screenStopped(room, participant);
    conn.log.info({ code: room.code, sharing: msg.screen !== null }, 'screen share');
  }

  #chatSend(conn: Connection, msg: ClientMessageOf<'chat-send'>): void {
    const { room, participant } = conn;
    try {
      if (!room || !participant) throw new LecternError(ErrorCodes.NOT_JOINED, 'join a session before chatting');
      this.chat.send(room, participant, msg);
    } catch (err) {
      const e = this.#asLecternError(err, conn, 'chat-send');
      conn.send({ type: 'chat-error', id: msg.id, code: e.code, message: e.message });
    }
  }

  #sfu(): SfuMediaPlane {
    if (!this.sfu) throw new LecternError(ErrorCodes.INTERNAL, 'this server runs without an SFU');
    return this.sfu;
  }

  /** A room moved to or from the SFU: its members' SFU connections start or stop. */
  #topologyChanged(room: Room, topology: 'mesh' | 'sfu', newcomerId?: string): void {
    this.log.info({ code: room.code, topology, size: room.size }, 'session topology changed');
    for (const p of room.participants.values()) {
      // The newcomer's SFU connections start after its `joined`, like any SFU joiner's.
      if (topology === 'sfu') {
        if (p.id !== newcomerId) this.#admission.sfuJoin(room, p);
      }
      else this.sfu?.leave(room.code, p.id);
    }
  }

  /**
   * The SFU worker carrying these sessions died and they were moved: each member drops its SFU
   * connections and sets up new ones (`sfu-restart`, then a fresh subscribe offer).
   */
  sfuRestarted(codes: string[]): void {
    for (const code of codes) {
      const room = this.rooms.get(code);
      if (!room || room.topology !== 'sfu') continue;
      this.log.warn({ code, size: room.size }, 'SFU media restarted for the session');
      for (const p of room.participants.values()) {
        p.link.send({ type: 'sfu-restart' });
        this.#admission.sfuJoin(room, p);
      }
    }
  }

  #sfuSignal(conn: Connection, msg: SfuClientMessage): void {
    const { room, participant } = conn;
    try {
      if (!room || !participant) throw new LecternError(ErrorCodes.NOT_JOINED, 'join a session first');
      if (room.topology !== 'sfu') throw new LecternError(ErrorCodes.NOT_ALLOWED, 'this session does not use the SFU');
      this.#sfu().handle(room.code, participant.id, msg);
    } catch (err) {
      this.#replyError(conn, err, msg.type);
    }
  }

  /** Delivers an SFU message to a participant of a session. */
  sendTo(code: string, participantId: string, message: ServerMessage): void {
    this.rooms.get(code)?.get(participantId)?.link.send(message);
  }

  #replyError(conn: Connection, err: unknown, ref: string): void {
    const e = this.#asLecternError(err, conn, ref);
    conn.sendError(e.code, e.message, ref);
  }

  #asLecternError(err: unknown, conn: Connection, ref: string): LecternError {
    if (err instanceof LecternError) return err;
    conn.log.error({ err, ref }, 'unexpected failure');
    return new LecternError(ErrorCodes.INTERNAL, 'the server failed to handle this request');
  }

  #expireSilent(): void {
    const now = Date.now();
    const sinceLast = now - this.#lastSweepAt;
    this.#lastSweepAt = now;
    // After the process itself stalled (a long GC, a suspended VM), timers run before the
    // sockets are read: everyone would look silent. Read first; judge at the next sweep.
    if (sinceLast > 2 * this.#sweepEveryMs + 1000) {
      this.log.warn({ stalledMs: sinceLast }, 'event loop stalled; heartbeat check postponed');
      return;
    }
    const deadline = now - this.options.heartbeatTimeoutMs;
    const handshakeDeadline = now - this.options.handshakeTimeoutMs;
    for (const conn of this.connections) {
      if (conn.state === 'handshake' && conn.openedAt < handshakeDeadline) {
        conn.log.info('handshake timeout');
        this.connections.delete(conn);
        conn.detached = true;
        conn.sendError(ErrorCodes.HANDSHAKE_REQUIRED, `no "hello" within ${this.options.handshakeTimeoutMs} ms`);
        conn.close(CloseCodes.POLICY, 'handshake timeout');
        continue;
      }
      if (conn.lastSeen >= deadline) continue;
      conn.log.info('heartbeat timeout');
      this.connections.delete(conn);
      if (!conn.detached) this.#leave(conn, 'timeout');
      conn.detached = true; // already removed; the close event must not remove again
      conn.close(CloseCodes.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
    }
  }

  /** Tells every client the server is going away and closes the sockets. */
  shutdown(): void {
    clearInterval(this.#sweep);
    this.chat.close();
    void this.sfu?.close();
    for (const conn of this.connections) {
      if (conn.iceRefresh) clearTimeout(conn.iceRefresh);
      conn.send({ type: 'bye', reason: 'shutdown' });
      conn.detached = true; // no participant-left storm while everyone goes
      conn.close(CloseCodes.GOING_AWAY, 'server shutting down');
    }
    this.connections.clear();
  }
}

/** The `dataLink` marker of a relayed signal, copied only when the sender set it. */
function dataLink(msg: { dataLink?: DataLinkEnd }): { dataLink?: DataLinkEnd } {
  return msg.dataLink ? { dataLink: msg.dataLink } : {};
}
