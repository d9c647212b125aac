import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/database.js';

/** A persistent class room as stored. */
export interface ClassRoom {
  /** Its stable session code: the student link is `/<code>`. */
  code: string;
  name: string;
  /** scrypt hash of the password, or null for none. */
  passwordHash: string | null;
  /** SHA-256 of the host key (the key is random and long, so a fast hash is enough). */
  hostKeyHash: string;
  /** Whether joiners wait in the lobby. */
  lobby: boolean;
  maxParticipants: number;
  createdAt: number;
  /** When its session last opened (or it was made); rooms idle too long are deleted. */
  lastUsedAt: number;
}

interface Row {
  code: string;
  name: string;
  password_hash: string | null;
  host_key_hash: string;
  lobby: number;
  max_participants: number;
  created_at: number;
  last_used_at: number;
}

/** How a host key is stored. */
export function hashHostKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether `key` is the class room host key stored as `hash`; constant time. */
export function storedHostKeyMatches(key: string, hash: string): boolean {
  const a = Buffer.from(hashHostKey(key), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Class rooms in SQLite: they outlive the process, their sessions open on the first join. A
 * room nobody has opened for `idleMs` is deleted, so abandoned rooms do not fill the cap.
 */
export class ClassRoomStore {
  readonly #get;
  readonly #insert;
  readonly #count;
  readonly #touch;
  readonly #prune;

  constructor(
    db: Db,
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#get = db.prepare<[string], Row>(`SELECT * FROM class_rooms WHERE code = ?`);
    this.#insert = db.prepare(
      `INSERT INTO class_rooms (code, name, password_hash, host_key_hash, lobby, max_participants, created_at, last_used_at)
       VALUES (@code, @name, @password_hash, @host_key_hash, @lobby, @max_participants, @created_at, @last_used_at)`,
    );
    this.#count = db.prepare<[], number>(`SELECT COUNT(*) FROM class_rooms`).pluck();
    this.#touch = db.prepare(`UPDATE class_rooms SET last_used_at = ? WHERE code = ?`);
    this.#prune = db.prepare(`DELETE FROM class_rooms WHERE last_used_at < ?`);
    this.prune();
  }

  /** Deletes the rooms idle for longer than the limit; returns how many. */
  prune(): number {
    return this.#prune.run(this.now() - this.idleMs).changes;
  }

  /** Its session opened: the room is in use. */
  touch(code: string): void {
    this.#touch.run(this.now(), code);
  }

  get(code: string): ClassRoom | null {
    const row = this.#get.get(code);
    if (!row) return null;
    return {
      code: row.code,
      name: row.name,
      passwordHash: row.password_hash,
      hostKeyHash: row.host_key_hash,
      lobby: row.lobby !== 0,
      maxParticipants: row.max_participants,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    };
  }

  has(code: string): boolean {
    return this.#get.get(code) !== undefined;
  }

  get size(): number {
    return this.#count.get() as number;
  }

  add(room: ClassRoom): void {
    this.#insert.run({
      code: room.code,
      name: room.name,
      password_hash: room.passwordHash,
      host_key_hash: room.hostKeyHash,
      lobby: room.lobby ? 1 : 0,
      max_participants: room.maxParticipants,
      created_at: room.createdAt,
      last_used_at: room.lastUsedAt,
    });
  }
}
