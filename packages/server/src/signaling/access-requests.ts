import type { ClientMessageOf, LecternError } from '@lectern/protocol';
import { RateLimitedError, type AccessControl, type AccessDecision } from '../access/access-control.js';
import { hashPassword } from '../access/password.js';
import type { Admission } from './admission.js';
import type { Connection } from './connection.js';
import type { InOrder } from './in-order.js';

/** What the access requests need from signaling. */
export interface AccessRequestsHost {
  readonly access: AccessControl;
  readonly admission: Admission;
  readonly inOrder: Pick<InOrder<Connection, unknown>, 'run'>;
  replyError(conn: Connection, err: unknown, ref: string): void;
  asLecternError(err: unknown, conn: Connection, ref: string): LecternError;
}

/**
 * The signaling side of access: `create` and `create-class-room` (hashing a password off the
 * event loop) and `join` (credentials checked under the failed-attempt limits before
 * admission decides the role, the lock and the lobby). Asynchronous steps run through
 * {@link InOrder}, so a connection's answers keep the order of its messages.
 */
export class AccessRequests {
  constructor(private readonly host: AccessRequestsHost) {}

  create(conn: Connection, msg: ClientMessageOf<'create'>): void {
    this.#withHash(conn, msg, (passwordHash) => {
      try {
        const room = this.host.access.createSession(passwordHash);
        conn.log.info({ code: room.code, password: passwordHash !== null }, 'session created');
        conn.send({ type: 'created', code: room.code, hostKey: room.controls.hostKey });
      } catch (err) {
        this.host.replyError(conn, err, 'create');
      }
    });
  }

  createClassRoom(conn: Connection, msg: ClientMessageOf<'create-class-room'>): void {
    this.#withHash(conn, msg, (passwordHash) => {
      try {
        const created = this.host.access.createClassRoom(msg, passwordHash, conn.remoteAddress);
        conn.log.info({ code: created.code, password: created.password, lobby: created.lobby }, 'class room created');
        conn.send(created);
      } catch (err) {
        this.host.replyError(conn, err, 'create-class-room');
      }
    });
  }

  /** A connection in a session (or a lobby) is answered by admission at once; a ready one is checked first. */
  join(conn: Connection, msg: ClientMessageOf<'join'>): void {
    if (conn.state !== 'ready') return this.host.admission.join(conn, msg); // it answers ALREADY_JOINED
    this.host.inOrder.run(conn, () => this.#checkThenJoin(conn, msg));
  }

  /** Runs `then` at once without a password, or after hashing it off the event loop. */
  #withHash(conn: Connection, msg: ClientMessageOf<'create' | 'create-class-room'>, then: (hash: string | null) => void): void {
    const { password } = msg;
    if (password === undefined) return then(null);
    this.host.inOrder.run(conn, async () => {
      let hash: string;
      try {
        hash = await hashPassword(password);
      } catch (err) {
        this.host.replyError(conn, err, msg.type);
        return;
      }
      if (conn.state !== 'closed') then(hash);
    });
  }

  async #checkThenJoin(conn: Connection, msg: ClientMessageOf<'join'>): Promise<void> {
    let decision: AccessDecision;
    try {
      decision = await this.host.access.admit({
        ip: conn.remoteAddress,
        code: msg.code,
        password: msg.password,
        token: msg.token,
        hostKey: msg.hostKey,
        resumable: conn.resumableCode === msg.code,
      });
    } catch (err) {
      const e = this.host.asLecternError(err, conn, 'join');
      conn.log.info({ code: msg.code, error: e.code }, 'join refused');
      conn.send({ type: 'join-error', code: e.code, message: e.message, ...(e instanceof RateLimitedError ? { retryAfterMs: e.retryAfterMs } : {}) });
      return;
    }
    if (conn.state !== 'ready') return; // the socket closed while the credentials were checked
    // Only what the access layer verified; reset on every join so nothing carries over.
    conn.grant = decision.grantedRole || decision.identity ? { role: decision.grantedRole, identity: decision.identity } : null;
    this.host.admission.join(conn, decision.name === null ? msg : { ...msg, name: decision.name });
  }
}
