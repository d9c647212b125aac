import type { Logger } from 'pino';
import type WebSocket from 'ws';
import {
  ErrorCodes,
  decodeClientMessage,
  encodeMessage,
  type ClientMessage,
  type ErrorCode,
  type Role,
  type ServerMessage,
} from '@lectern/protocol';
import type { Participant, ParticipantLink } from '../rooms/participant.js';
import type { AccessGrant } from '../rooms/roles.js';
import type { Room } from '../rooms/room.js';
import { SlowLane, TokenBucket, fastLaneRate, preJoinRate, type ConnectionAdmission, type MessageRate, type SlowLaneQueue } from './limits.js';

/**
 * Most bytes queued towards one client before the server gives up on it: a client that stops
 * reading its socket must not make the server hold its messages without end.
 */
export const MAX_SEND_BUFFER_BYTES = 4 * 1024 * 1024;

/** Application close codes (4000–4999 are ours). */
export const CloseCodes = {
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  HEARTBEAT_TIMEOUT: 4000,
  REPLACED: 4001,
} as const;

/** Where a connection is in its life. */
export type ConnectionState = 'handshake' | 'ready' | 'waiting' | 'joined' | 'closed';

const TRANSITIONS: Record<ConnectionState, readonly ConnectionState[]> = {
  handshake: ['ready', 'closed'],
  ready: ['waiting', 'joined', 'closed'],
  // In a session's lobby: admitted (joined), denied or gave up (ready).
  waiting: ['joined', 'ready', 'closed'],
  joined: ['ready', 'closed'],
  closed: [],
};

/** What a connection hands up to the signaling service. */
export interface ConnectionHandler {
  handle(connection: Connection, message: ClientMessage): void;
  closed(connection: Connection): void;
}

/** The one slow lane of this process: every connection's fast-sent frames share it. */
const slowLane = new SlowLane();

/**
 * When a server last logged closing a flooder, and how many it closed since without a line:
 * such closes are logged at most once a second, since a thousand flooding sockets would
 * otherwise write a thousand lines (synchronously) in the moment the server is busiest.
 */
export interface FloodLog {
  at: number;
  unlogged: number;
}

/**
 * One WebSocket: decodes at the edge, answers bad frames with an error, keeps the
 * heartbeat, and is the participant's link to its client. The domain never sees raw JSON.
 */
export class Connection implements ParticipantLink, SlowLaneQueue {
  #state: ConnectionState = 'handshake';
  lastSeen = Date.now();
  /** When the socket opened; a connection still in `handshake` long after this is closed. */
  readonly openedAt = Date.now();
  readonly #bucket: TokenBucket;
  /** Drawn on as well while the socket is not in a session (see {@link preJoinRate}). */
  readonly #preJoinBucket: TokenBucket;
  /**
   * Drawn on by frames the server cannot use (binary, not JSON, unknown or malformed messages):
   * the same tenth of the budget. A client that keeps sending them is broken or hostile, and is
   * closed long before its whole message budget is spent on error replies.
   */
  readonly #badFrameBucket: TokenBucket;
  /**
   * Frames handled at once ({@link fastLaneRate}); the rest wait their turn in the slow lane.
   * An ordinary client (a message now and then, a joiner's burst) hardly ever leaves the fast lane;
   * one that keeps sending does, even while the server is too busy for it to reach its rate limit.
   */
  readonly #fastLaneBucket: TokenBucket;
  /** Frames waiting in the slow lane, in order; null when none wait (see {@link SlowLane}). */
  #slow: Array<[WebSocket.RawData, boolean]> | null = null;
  /** Assigned in `welcome`. */
  participantId = '';
  /** Session this connection may re-open (from a verified resume token). */
  resumableCode: string | null = null;
  /** The role in that verified resume token. */
  resumedRole: Role | null = null;
  /**
   * What the access layer verified about this connection (a join token, a class room's host
   * link): a role and an identity. Null when nothing was presented.
   */
  grant: AccessGrant | null = null;
  room: Room | null = null;
  /** The room whose lobby this connection waits in (state `waiting`). */
  waitingIn: Room | null = null;
  participant: Participant | null = null;
  /** Set when this connection no longer speaks for its participant (taken over, timed out, shut down). */
  detached = false;
  /** The Host the client connected to (from the upgrade request): ICE server URLs name it. */
  requestHost: string | null = null;
  /** Renews this connection's ICE servers (TURN credentials) before they expire. */
  iceRefresh: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
    readonly log: Logger,
    private readonly handler: ConnectionHandler,
    private readonly limits: { rate: MessageRate; admission?: Pick<ConnectionAdmission, 'strike'>; floodLog?: FloodLog },
  ) {
    this.#bucket = new TokenBucket(limits.rate);
    this.#preJoinBucket = new TokenBucket(preJoinRate(limits.rate));
    this.#badFrameBucket = new TokenBucket(preJoinRate(limits.rate));
    this.#fastLaneBucket = new TokenBucket(fastLaneRate(limits.rate));
    socket.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    socket.on('close', () => this.#onClose());
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The one way to change state; throws on a move the table does not allow. */
  transition(to: ConnectionState): void {
    if (this.#state === to) return;
    if (!TRANSITIONS[this.#state].includes(to)) throw new Error(`connection: illegal transition ${this.#state} → ${to}`);
    this.#state = to;
  }

  send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_SEND_BUFFER_BYTES) {
      this.log.info({ buffered: this.socket.bufferedAmount }, 'client does not read its socket; closing');
      this.close(CloseCodes.POLICY, 'client is not reading', true);
      return;
    }
    this.socket.send(encodeMessage(message));
  }

  sendError(code: ErrorCode, message: string, ref?: string): void {
    this.send(ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref });
  }

  /**
   * Starts the close handshake. `abusive`: read nothing more from this client (what it keeps
   * sending stays in the kernel, and TCP slows it down) and drop it sooner.
   */
  close(code: number, reason: string, abusive = false): void {
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    this.socket.close(code, reason);
    if (abusive) {
      this.socket.pause();
      discardUnparsedFrames(this.socket);
    }
    // A peer that never answers the close handshake must not hold the socket open.
    setTimeout(() => this.socket.terminate(), abusive ? 1000 : 2000).unref();
  }

  #onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    // A connection on its way out (timed out, replaced, shut down) speaks for no one.
    if (this.detached || this.socket.readyState !== this.socket.OPEN) return;
    this.lastSeen = Date.now();
    const now = performance.now();
    if (!this.#bucket.take(now) || (this.#state !== 'joined' && !this.#preJoinBucket.take(now))) {
      this.#closeFlooder('too many messages', 'message rate exceeded');
      return;
    }
    // Past its fast-lane budget, this socket's frames wait in the slow lane (in order, until it is empty).
    if (this.#slow || !this.#fastLaneBucket.take(now)) {
      // Half a burst waiting: it sends far faster than its turns come, whatever its rate says.
      if ((this.#slow?.length ?? 0) >= this.limits.rate.burst / 2) {
        this.#closeFlooder('too many messages', 'message backlog exceeded');
        return;
      }
      (this.#slow ??= []).push([data, isBinary]);
      slowLane.add(this);
      return;
    }
    this.#handleFrame(data, isBinary, now);
  }

  /** Handles the oldest frame waiting in the slow lane; false when none are left. */
  handleOne(): boolean {
    const next = this.#slow?.shift();
    if (next && !this.detached && this.socket.readyState === this.socket.OPEN) this.#handleFrame(next[0], next[1], performance.now());
    if (this.#slow?.length && this.socket.readyState === this.socket.OPEN) return true;
    this.#slow = null;
    return false;
  }

  #handleFrame(data: WebSocket.RawData, isBinary: boolean, now: number): void {
    if (isBinary) {
      this.#refuse(now, ErrorCodes.BAD_MESSAGE, 'binary frames are not accepted; send JSON text');
      return;
    }
    // ws hands over a Buffer (binaryType "nodebuffer"); decode it in place rather than copy it.
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const decoded = decodeClientMessage(text);
    if (!decoded.ok) {
      if (decoded.code === ErrorCodes.UNKNOWN_TYPE) this.log.info({ type: decoded.type }, 'ignored unknown message type');
      else this.log.debug({ code: decoded.code, reason: decoded.message }, 'rejected message');
      this.#refuse(now, decoded.code, decoded.message, decoded.type);
      return;
    }
    try {
      this.handler.handle(this, decoded.message);
    } catch (err) {
      this.log.error({ err, type: decoded.message.type }, 'handler failed');
      this.sendError(ErrorCodes.INTERNAL, 'the server failed to handle this message', decoded.message.type);
    }
  }

  /** Answers a frame the server cannot use, or closes a socket that sends too many of them. */
  #refuse(now: number, code: ErrorCode, message: string, ref?: string): void {
    if (this.#badFrameBucket.take(now)) this.sendError(code, message, ref);
    else this.#closeFlooder('too many malformed messages', 'malformed message rate exceeded');
  }

  /** Closes a socket over one of its budgets with RATE_LIMITED and 1008; its address gets a strike. */
  #closeFlooder(what: string, reason: string): void {
    const now = performance.now();
    const floodLog = this.limits.floodLog;
    if (!floodLog || now - floodLog.at >= 1000) {
      this.log.info({ state: this.#state, reason, alsoClosedSinceLastLine: floodLog?.unlogged ?? 0 }, `${reason}; closing`);
      if (floodLog) {
        floodLog.at = now;
        floodLog.unlogged = 0;
      }
    } else floodLog.unlogged++;
    this.sendError(ErrorCodes.RATE_LIMITED, `${what}; this connection is closed`);
    this.close(CloseCodes.POLICY, reason, true);
    this.limits.admission?.strike(this.remoteAddress);
  }

  #onClose(): void {
    this.#slow = null;
    slowLane.remove(this);
    if (this.#state === 'closed') return;
    try {
      this.handler.closed(this);
    } finally {
      this.transition('closed');
    }
  }
}

/**
 * Makes ws parse nothing more of what an abusive client already sent: the frames it has read
 * but not yet handed over (up to a socket read, thousands of small frames) and whatever the
 * socket still holds when it is destroyed. ws hands over one frame per event-loop turn, so a
 * closed flooder's backlog would otherwise cost tens of milliseconds of parsing each, and a
 * thousand of them seconds. This reaches into ws's receiver the way ws itself ignores data after
 * a close frame; with another ws that lacks these fields it does nothing.
 */
export function discardUnparsedFrames(socket: WebSocket): void {
  const receiver = (socket as unknown as { _receiver?: { _buffers?: unknown; _bufferedBytes?: unknown; _opcode?: unknown } })._receiver;
  if (!receiver || !Array.isArray(receiver._buffers) || typeof receiver._bufferedBytes !== 'number' || typeof receiver._opcode !== 'number') return;
  receiver._buffers.length = 0;
  receiver._bufferedBytes = 0;
  // As after a close frame: the receiver then drops every later write (ws/lib/receiver.js `_write`).
  receiver._opcode = 0x08;
}
