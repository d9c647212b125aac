import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../store/database.js';
import { ChatStore, type NewChatEntry } from './chat-store.js';

let dir: string;
let file: string;
let db: Db;
let now: number;
const HOUR = 3_600_000;

function entry(id: string, from = 'alice', text = `text ${id}`, to: string | null = null): NewChatEntry {
  return { id: id.padEnd(8, '0'), from, fromName: from.toUpperCase(), to, toName: to?.toUpperCase() ?? null, text, at: now };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lectern-chat-'));
  file = join(dir, 'lectern.sqlite');
  db = openDatabase(file);
  now = 1_767_225_600_000;
});
afterEach(async () => {
  if (db.open) db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ChatStore (SQLite file)', () => {
  test('numbers messages 1, 2, 3 per session, independently across sessions', () => {
    const store = new ChatStore(db, { maxPerRoom: 500, maxAgeMs: 24 * HOUR }, () => now);
    assert.equal(store.append('aaa-bbbb-ccc', entry('m1')).seq, 1);
    assert.equal(store.append('aaa-bbbb-ccc', entry('m2')).seq, 2);
    assert.equal(store.append('ddd-eeee-fff', entry('m1')).seq, 1);
    assert.equal(store.append('aaa-bbbb-ccc', entry('m3')).seq, 3);
    assert.deepEqual(
      store.history('aaa-bbbb-ccc', 'bob').map((m) => m.seq),
      [1, 2, 3],
    );
  });

  test('the same sender id twice is one message; find() returns it', () => {
    const store = new ChatStore(db, { maxPerRoom: 500, maxAgeMs: 24 * HOUR }, () => now);
    const first = store.append('aaa-bbbb-ccc', entry('dup'));
    assert.throws(() => store.append('aaa-bbbb-ccc', entry('dup')), /UNIQUE/);
    assert.deepEqual(store.find('aaa-bbbb-ccc', 'alice', first.id), first);
    assert.equal(store.find('aaa-bbbb-ccc', 'bob', first.id), null, 'ids are per sender');
    // Another sender may use the same id.
    assert.equal(store.append('aaa-bbbb-ccc', entry('dup', 'bob')).seq, 2);
  });

  test('history shows private messages only to their sender and addressee', () => {
    const store = new ChatStore(db, { maxPerRoom: 500, maxAgeMs: 24 * HOUR }, () => now);
    store.append('aaa-bbbb-ccc', entry('pub1'));
    store.append('aaa-bbbb-ccc', entry('priv', 'alice', 'psst', 'bob'));
    store.append('aaa-bbbb-ccc', entry('pub2', 'carol'));
    const texts = (viewer: string) => store.history('aaa-bbbb-ccc', viewer).map((m) => m.text);
    assert.deepEqual(texts('alice'), ['text pub1', 'psst', 'text pub2']);
    assert.deepEqual(texts('bob'), ['text pub1', 'psst', 'text pub2']);
    assert.deepEqual(texts('carol'), ['text pub1', 'text pub2']);
    assert.deepEqual(texts('dave'), ['text pub1', 'text pub2']);
    const priv = store.history('aaa-bbbb-ccc', 'bob')[1]!;
    assert.equal(priv.to, 'bob');
    assert.equal(priv.toName, 'BOB');
  });

  test('keeps the newest maxPerRoom messages of a session, and numbering goes on', () => {
    const store = new ChatStore(db, { maxPerRoom: 3, maxAgeMs: 24 * HOUR }, () => now);
    for (let i = 1; i <= 5; i++) store.append('aaa-bbbb-ccc', entry(`m${i}`));
    store.append('ddd-eeee-fff', entry('other'));
    assert.deepEqual(
      store.history('aaa-bbbb-ccc', 'x').map((m) => m.seq),
      [3, 4, 5],
    );
    assert.equal(store.append('aaa-bbbb-ccc', entry('m6')).seq, 6);
    assert.equal(store.history('ddd-eeee-fff', 'x').length, 1, 'other sessions are untouched');
  });

  test('messages older than maxAgeMs are not shown and are pruned', () => {
    const store = new ChatStore(db, { maxPerRoom: 500, maxAgeMs: 24 * HOUR }, () => now);
    store.append('aaa-bbbb-ccc', entry('old'));
    now += 23 * HOUR;
    store.append('aaa-bbbb-ccc', entry('new'));
    now += 2 * HOUR;
    assert.deepEqual(
      store.history('aaa-bbbb-ccc', 'x').map((m) => m.id),
      ['new00000'],
    );
    assert.equal(store.pruneExpired(), 1);
    assert.equal(store.pruneExpired(), 0);
    // Numbering never reuses a number even after the oldest are gone.
    assert.equal(store.append('aaa-bbbb-ccc', entry('next')).seq, 3);
  });

  test('survives closing and reopening the file (a server restart)', () => {
    const store = new ChatStore(db, { maxPerRoom: 500, maxAgeMs: 24 * HOUR }, () => now);
    store.append('aaa-bbbb-ccc', entry('m1', 'alice', 'before the restart'));
    db.close();
    db = openDatabase(file);
    const again = new ChatStore(db, { maxPerRoom: 500, maxAgeMs: 24 * HOUR }, () => now);
    assert.deepEqual(
      again.history('aaa-bbbb-ccc', 'x').map((m) => m.text),
      ['before the restart'],
    );
    assert.ok(again.find('aaa-bbbb-ccc', 'alice', 'm1000000'));
    assert.equal(again.append('aaa-bbbb-ccc', entry('m2')).seq, 2);
  });

  test('a database from a newer Lectern is refused with a clear reason, and left as it was', () => {
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => openDatabase(file), /newer Lectern \(schema 99/);
    db = openDatabase(':memory:');
  });

  test('a file that is not a database is refused with a clear reason', async () => {
    db.close();
    const { writeFile } = await import('node:fs/promises');
    const junk = join(dir, 'junk.sqlite');
    await writeFile(junk, 'this is not sqlite '.repeat(100));
    assert.throws(() => openDatabase(junk), /cannot (open|prepare) the database .*junk\.sqlite/);
    db = openDatabase(':memory:');
  });
});
