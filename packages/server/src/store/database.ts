import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** An open SQLite database. */
export type Db = Database.Database;

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
 * Append only: never edit a migration that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE chat_messages (
     room      TEXT    NOT NULL,
     seq       INTEGER NOT NULL,
     client_id TEXT    NOT NULL,
     from_id   TEXT    NOT NULL,
     from_name TEXT    NOT NULL,
     to_id     TEXT,
     to_name   TEXT,
     text      TEXT    NOT NULL,
     at        INTEGER NOT NULL,
     PRIMARY KEY (room, seq),
     UNIQUE (room, from_id, client_id)
   ) WITHOUT ROWID;
   CREATE INDEX chat_messages_at ON chat_messages (at);`,
  // Persistent class rooms: the code is the stable student link; secrets are stored hashed.
  `CREATE TABLE class_rooms (
     code             TEXT    NOT NULL PRIMARY KEY,
     name             TEXT    NOT NULL,
     password_hash    TEXT,
     host_key_hash    TEXT    NOT NULL,
     lobby            INTEGER NOT NULL,
     max_participants INTEGER NOT NULL,
     created_at       INTEGER NOT NULL,
     last_used_at     INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX class_rooms_last_used ON class_rooms (last_used_at);`,
  // Password hashes of ad-hoc sessions, so a session re-opened after a restart keeps its password.
  `CREATE TABLE session_passwords (
     code          TEXT    NOT NULL PRIMARY KEY,
     password_hash TEXT    NOT NULL,
     created_at    INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX session_passwords_created ON session_passwords (created_at);`,
];

/**
 * Opens (creating if needed) the server's SQLite file and brings its schema up to date.
 * `:memory:` gives a private in-memory database. Throws with a one-line reason when the file
 * cannot be opened or is not a Lectern database.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: Db;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw new Error(`cannot open the database ${path}: ${(err as Error).message}`);
  }
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw new Error(`cannot prepare the database ${path}: ${(err as Error).message}`);
  }
  return db;
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`it was written by a newer Lectern (schema ${version}, this one knows ${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
