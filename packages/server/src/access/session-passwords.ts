import type { Db } from '../store/database.js';

/** How long a session's password hash is kept: longer than any class lasts. */
const KEEP_MS = 7 * 24 * 3_600_000;

/**
 * Password hashes of ad-hoc sessions in SQLite. A session lives in memory, but members come
 * back into it after a server restart with their resume tokens; the re-opened session must
 * still ask everyone else for its password.
 */
export class SessionPasswordStore {
  readonly #get;
  readonly #set;
  readonly #prune;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.#get = db.prepare<[string], string>(`SELECT password_hash FROM session_passwords WHERE code = ?`).pluck();
    this.#set = db.prepare(`INSERT OR REPLACE INTO session_passwords (code, password_hash, created_at) VALUES (?, ?, ?)`);
    this.#prune = db.prepare(`DELETE FROM session_passwords WHERE created_at < ?`);
    this.#prune.run(now() - KEEP_MS);
  }

  /** The stored hash for a session, or null. */
  get(code: string): string | null {
    return (this.#get.get(code) as string | undefined) ?? null;
  }

  set(code: string, passwordHash: string): void {
    const now = this.now();
    this.#prune.run(now - KEEP_MS);
    this.#set.run(code, passwordHash, now);
  }
}
