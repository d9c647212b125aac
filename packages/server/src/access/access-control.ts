import { ErrorCodes, LecternError, type ClientMessageOf, type ErrorCode, type ServerMessageOf } from '@lectern/protocol';
import type { RoomRegistry } from '../rooms/registry.js';
import type { Room } from '../rooms/room.js';
import type { JoinAttemptLimiter } from './attempt-limiter.js';
import { hostKeyMatches, newHostKey } from '../rooms/roles.js';
import { hashHostKey, storedHostKeyMatches, type ClassRoom, type ClassRoomStore } from './class-rooms.js';
import type { JoinTokenVerifier } from './join-token.js';
import { verifyPassword } from './password.js';
import type { RoomAccess } from './room-access.js';
import type { SessionPasswordStore } from './session-passwords.js';

/** A join refused by the attempt limiter; `retryAfterMs` says when to try again. */
export class RateLimitedError extends LecternError {
  constructor(
    readonly retryAfterMs: number,
    what = 'too many failed attempts to join',
  ) {
    super(ErrorCodes.RATE_LIMITED, `${what}; try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** What a joiner presents. */
export interface JoinRequest {
  /** The client's address, for the attempt limits. */
  ip: string;
  code: string;
  password?: string | undefined;
  token?: string | undefined;
  /** A host key: a class room's is checked here; a session's own (from `created`) by admission. */
  hostKey?: string | undefined;
  /** The joiner holds a verified resume token for this session: it was let in before. */
  resumable: boolean;
}

/** A joiner let in: the room to enter, a role the credentials grant, and who a token says it is. */
export interface AccessDecision {
  room: Room;
  /** `host` when a token's role claim or a class room's host key says so; null grants nothing. */
  grantedRole: 'host' | null;
  /** The name from a join token (it wins over the typed one), or null. */
  name: string | null;
  /** The person a join token names (`sub`), so a removal bans them and not only this id. */
  identity: string | null;
}

/** Access settings. */
export interface AccessOptions {
  limiter: JoinAttemptLimiter;
  /** Join token verification; null when the server accepts no tokens. */
  tokens: JoinTokenVerifier | null;
  classRooms: ClassRoomStore;
  sessionPasswords: SessionPasswordStore;
  maxClassRooms: number;
  /** Class rooms made per address: every creation spends an attempt here. */
  creations: JoinAttemptLimiter;
  /** The server's cap on people per session; class rooms may ask for less. */
  maxParticipants: number;
}

/** Failures that spend join attempts: each one is a guess at a code, password, key or token. */
const COUNTED = new Set<ErrorCode>([
  ErrorCodes.ROOM_NOT_FOUND,
  ErrorCodes.WRONG_PASSWORD,
  ErrorCodes.WRONG_HOST_KEY,
  ErrorCodes.TOKEN_INVALID,
  ErrorCodes.TOKEN_ALG_NOT_ALLOWED,
  ErrorCodes.TOKEN_BAD_SIGNATURE,
  ErrorCodes.TOKEN_EXPIRED,
  ErrorCodes.TOKEN_NOT_YET_VALID,
  ErrorCodes.TOKEN_WRONG_ROOM,
  ErrorCodes.TOKEN_WRONG_AUDIENCE,
  ErrorCodes.TOKEN_NOT_ACCEPTED,
]);

/**
 * Who gets into which session: passwords, class rooms and their host keys, join tokens, and
 * the limit on failed attempts. Decides before the room sees the joiner; roles beyond what
 * the credentials grant are the room's business.
 */
export class AccessControl {
  constructor(
    private readonly rooms: RoomRegistry,
    private readonly options: AccessOptions,
  ) {}

  /** Checks a join. Throws LecternError (RateLimitedError when over the limits). */
  async admit(req: JoinRequest): Promise<AccessDecision> {
    const wait = this.options.limiter.retryAfterMs(req.ip, req.code);
    if (wait > 0) throw new RateLimitedError(wait);
    try {
      return await this.#check(req);
    } catch (err) {
      if (err instanceof LecternError && COUNTED.has(err.code)) {
        const exists = this.rooms.get(req.code) !== undefined || this.options.classRooms.has(req.code);
        this.options.limiter.spend(req.ip, req.code, exists);
      }
      throw err;
    }
  }

  async #check(req: JoinRequest): Promise<AccessDecision> {
    if (req.token !== undefined) {
      if (!this.options.tokens) throw new LecternError(ErrorCodes.TOKEN_NOT_ACCEPTED, 'this server does not accept join tokens');
      const claims = await this.options.tokens.verify(req.token, req.code);
      // The token is the LMS's word: it opens the session if it is not running yet.
      const room = this.#openStored(req.code) ?? this.#restore(req.code);
      return { room, grantedRole: claims.role === 'host' ? 'host' : null, name: claims.name, identity: claims.subject === null ? null : `token:${claims.subject}` };
    }
    const live = this.rooms.get(req.code);
    const stored = live ? null : this.options.classRooms.get(req.code);
    const access: RoomAccess | null = live?.access ?? (stored ? accessOf(stored) : null);
    if (!access) {
      if (req.resumable) return { room: this.#restore(req.code), grantedRole: null, name: null, identity: null };
      throw new LecternError(ErrorCodes.ROOM_NOT_FOUND, 'no session has this code; check it and try again');
    }
    let grantedRole: 'host' | null = null;
    if (req.hostKey !== undefined && access.classRoom) {
      if (!storedHostKeyMatches(req.hostKey, access.classRoom.hostKeyHash)) throw new LecternError(ErrorCodes.WRONG_HOST_KEY, 'this host link is not valid for this class room');
      grantedRole = 'host';
    } else if (req.hostKey !== undefined && live && hostKeyMatches(live.controls.hostKey, req.hostKey)) {
      grantedRole = 'host'; // the creator of an ad-hoc session (admission grants the role itself)
    }
    if (access.passwordHash && grantedRole === null && !req.resumable) {
      if (req.password === undefined) throw new LecternError(ErrorCodes.PASSWORD_REQUIRED, 'this session needs a password');
      if (!(await verifyPassword(req.password, access.passwordHash))) throw new LecternError(ErrorCodes.WRONG_PASSWORD, 'the password is not right');
    }
    // The checks took a while: the room may have ended (an ad-hoc one) or opened meanwhile.
    const room = this.rooms.get(req.code) ?? this.#openStored(req.code);
    if (!room) throw new LecternError(ErrorCodes.ROOM_NOT_FOUND, 'this session has ended');
    return { room, grantedRole, name: null, identity: null };
  }

  /** Opens a class room's session from the store; undefined when `code` is no class room. */
  #openStored(code: string): Room | undefined {
    const live = this.rooms.get(code);
    if (live) return live;
    const stored = this.options.classRooms.get(code);
    if (!stored) return undefined;
    const room = this.rooms.openWith(code, { maxParticipants: stored.maxParticipants, access: accessOf(stored) });
    room.controls.lobby = stored.lobby; // the stored setting; hosts may change it for this meeting
    this.options.classRooms.touch(code);
    return room;
  }

  /** Re-opens an ad-hoc session a restart lost (a resume token or join token names it), with its password. */
  #restore(code: string): Room {
    return this.rooms.openWith(code, { access: { passwordHash: this.options.sessionPasswords.get(code), classRoom: null } });
  }

  /** A new ad-hoc session; with a password (hashed by {@link hashPassword}), joiners must give it. */
  createSession(passwordHash: string | null): Room {
    const room = this.rooms.create({ access: { passwordHash, classRoom: null } });
    if (passwordHash !== null) this.options.sessionPasswords.set(room.code, passwordHash);
    return room;
  }

  /** Stores a new class room; its session opens on the first join. */
  createClassRoom(msg: ClientMessageOf<'create-class-room'>, passwordHash: string | null, ip: string): ServerMessageOf<'class-room-created'> {
    const wait = this.options.creations.retryAfterMs(ip, '');
    if (wait > 0) throw new RateLimitedError(wait, 'too many class rooms made from this address');
    if (this.options.classRooms.size >= this.options.maxClassRooms && this.options.classRooms.prune() === 0) {
      throw new LecternError(ErrorCodes.SERVER_BUSY, 'this server holds as many class rooms as it may');
    }
    const hostKey = newHostKey();
    const room: ClassRoom = {
      code: this.rooms.freeCode(),
      name: msg.name,
      passwordHash,
      hostKeyHash: hashHostKey(hostKey),
      lobby: msg.lobby ?? true,
      maxParticipants: Math.min(msg.maxParticipants ?? this.options.maxParticipants, this.options.maxParticipants),
      createdAt: Date.now(),
      lastUsedAt: Date.now(),
    };
    this.options.classRooms.add(room);
    this.options.creations.spend(ip, '', false);
    return {
      type: 'class-room-created',
      code: room.code,
      name: room.name,
      hostKey,
      password: passwordHash !== null,
      lobby: room.lobby,
      maxParticipants: room.maxParticipants,
    };
  }
}

function accessOf(room: ClassRoom): RoomAccess {
  return { passwordHash: room.passwordHash, classRoom: { name: room.name, hostKeyHash: room.hostKeyHash, lobby: room.lobby } };
}
