import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../store/database.js';
import { ClassRoomStore, hashHostKey, storedHostKeyMatches, type ClassRoom } from './class-rooms.js';

const DAY = 86_400_000;

function room(code: string, at: number): ClassRoom {
  return { code, name: 'Physics 101', passwordHash: null, hostKeyHash: hashHostKey('k'.repeat(43)), lobby: true, maxParticipants: 6, createdAt: at, lastUsedAt: at };
}

test('class rooms nobody opened for the idle limit are deleted; opening one keeps it', () => {
  const db = openDatabase(':memory:');
  let now = 100 * DAY;
  const store = new ClassRoomStore(db, 30 * DAY, () => now);
  store.add(room('abc-defg-hjk', now));
  store.add(room('bcd-efgh-jkm', now));
  assert.equal(store.size, 2);
  now += 20 * DAY;
  store.touch('abc-defg-hjk');
  now += 20 * DAY;
  assert.equal(store.prune(), 1);
  assert.equal(store.get('bcd-efgh-jkm'), null);
  assert.equal(store.get('abc-defg-hjk')?.name, 'Physics 101');
  // A restart prunes too.
  now += 31 * DAY;
  assert.equal(new ClassRoomStore(db, 30 * DAY, () => now).size, 0);
  db.close();
});

test('the host key is stored as a hash and compared in constant time', () => {
  const hash = hashHostKey('the-host-key-0123456789');
  assert.ok(!hash.includes('the-host-key'));
  assert.equal(storedHostKeyMatches('the-host-key-0123456789', hash), true);
  assert.equal(storedHostKeyMatches('the-host-key-0123456780', hash), false);
  assert.equal(storedHostKeyMatches('', hash), false);
  assert.equal(storedHostKeyMatches('x', 'not hex'), false);
});
