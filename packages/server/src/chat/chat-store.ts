import type { ChatEntry } from '@lectern/protocol';
import type { Db } from '../store/database.js';

/** What a new message carries before the store numbers it. */
export type NewChatEntry = Omit<ChatEntry, 'seq'>;

/** Retention: the newest `maxPerRoom` messages of a session, none older than `maxAgeMs`. */
export interface ChatRetention {
  maxPerRoom: number;
  maxAgeMs: number;
}

interface Row {
  seq: number;
  client_id: string;
  from_id: string;
  from_name: string;
  to_id: string | null;
  to_name: string | null;
  text: string;
  at: number;
}

/**
 * A session's chat in SQLite: numbered in order per session, de-duplicated by the sender's
 * message id, kept within the retention limits. Survives restarts with the database file.
 */
export class ChatStore {
  readonly #insert;
  readonly #nextSeq;
  readonly #find;
  readonly #history;
  readonly #trimRoom;
  readonly #trimAge;
  readonly #append;

  constructor(
    private readonly db: Db,
    private readonly retention: ChatRetention,
    private readonly now: () => number = Date.now,
  ) {
    this.#insert = db.prepare(
      `INSERT INTO chat_messages (room, seq, client_id, from_id, from_name, to_id, to_name, text, at)
       VALUES (@room, @seq, @client_id, @from_id, @from_name, @to_id, @to_name, @text, @at)`,
    );
    this.#nextSeq = db.prepare(`SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM chat_messages WHERE room = ?`).pluck();
    this.#find = db.prepare(`SELECT * FROM chat_messages WHERE room = ? AND from_id = ? AND client_id = ?`);
    this.#history = db.prepare(
      `SELECT * FROM chat_messages
       WHERE room = @room AND at >= @since AND seq > @after AND (to_id IS NULL OR to_id = @viewer OR from_id = @viewer)
       ORDER BY seq DESC LIMIT @limit`,
    );
    this.#trimRoom = db.prepare(`DELETE FROM chat_messages WHERE room = ? AND seq <= ?`);
    this.#trimAge = db.prepare(`DELETE FROM chat_messages WHERE at < ?`);
    // Numbering and inserting in one transaction keeps `seq` gap-free and unique.
    this.#append = db.transaction((room: string, entry: NewChatEntry): ChatEntry => {
      const seq = this.#nextSeq.get(room) as number;
      this.#insert.run({
        room,
        seq,
        client_id: entry.id,
        from_id: entry.from,
        from_name: entry.fromName,
        to_id: entry.to,
        to_name: entry.toName,
        text: entry.text,
        at: entry.at,
      });
      if (seq > this.retention.maxPerRoom) this.#trimRoom.run(room, seq - this.retention.maxPerRoom);
      return { ...entry, seq };
    });
  }

  /** Stores a message and returns it numbered. */
  append(room: string, entry: NewChatEntry): ChatEntry {
    return this.#append(room, entry);
  }

  /** The message a sender already sent under this id, if any (a re-send after a reconnect). */
  find(room: string, from: string, id: string): ChatEntry | null {
    const row = this.#find.get(room, from, id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** What `viewer` may see of a session's chat, oldest first, within retention. */
  history(room: string, viewer: string, after = 0): ChatEntry[] {
    const rows = this.#history.all({
      room,
      viewer,
      after,
      since: this.now() - this.retention.maxAgeMs,
      limit: this.retention.maxPerRoom,
    }) as Row[];
    return rows.reverse().map(fromRow);
  }

  /** Deletes messages past the age limit; returns how many. */
  pruneExpired(): number {
    return this.#trimAge.run(this.now() - this.retention.maxAgeMs).changes;
  }
}

function fromRow(r: Row): ChatEntry {
  return { seq: r.seq, id: r.client_id, from: r.from_id, fromName: r.from_name, to: r.to_id, toName: r.to_name, text: r.text, at: r.at };
}
