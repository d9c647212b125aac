import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, LecternError, isSessionCode } from '@lectern/protocol';
import { Participant, type ParticipantLink } from './participant.js';
import { RoomRegistry } from './registry.js';

const link: ParticipantLink = { send() {}, close() {} };
const person = (id: string) => new Participant(id, id, { muted: false, cameraOff: false }, link);

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof LecternError && err.code === code);
}

/** Polls a condition until it holds or the deadline passes. */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const opts = { maxParticipants: 6, maxRooms: 1000, emptyRoomTtlMs: 60_000 };

describe('RoomRegistry', () => {
  test('create gives unique, valid codes and rooms with the configured size', () => {
    const reg = new RoomRegistry({ ...opts, maxParticipants: 4 });
    const codes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const room = reg.create();
      assert.ok(isSessionCode(room.code), room.code);
      assert.equal(room.maxParticipants, 4);
      assert.equal(reg.get(room.code), room);
      codes.add(room.code);
    }
    assert.equal(codes.size, 200);
    assert.equal(reg.size, 200);
    reg.close();
  });

  test('a code already in use is never handed out again', () => {
    // A source that repeats: first code twice, then a new one.
    const draws = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    let i = 0;
    const reg = new RoomRegistry({ ...opts, randomInt: () => draws[i++] ?? 2 });
    const first = reg.create();
    const second = reg.create();
    assert.equal(first.code, 'aaa-aaaa-aaa');
    assert.equal(second.code, 'bbb-bbbb-bbb');
    assert.equal(reg.size, 2);
    reg.close();
  });

  test('gives up (INTERNAL) rather than reuse a code when the random source is stuck', () => {
    const reg = new RoomRegistry({ ...opts, randomInt: () => 0 });
    reg.create();
    throwsCode(() => reg.create(), ErrorCodes.INTERNAL);
    assert.equal(reg.size, 1);
    reg.close();
  });

  test('maxRooms → SERVER_BUSY', () => {
    const reg = new RoomRegistry({ ...opts, maxRooms: 2 });
    reg.create();
    reg.create();
    throwsCode(() => reg.create(), ErrorCodes.SERVER_BUSY);
    assert.equal(reg.size, 2);
    throwsCode(() => reg.restore('abc-defg-hjk'), ErrorCodes.SERVER_BUSY);
    reg.close();
  });

  test('an empty room is retired after the TTL', async () => {
    const reg = new RoomRegistry({ ...opts, emptyRoomTtlMs: 30 });
    const room = reg.create();
    await until(() => reg.get(room.code) === undefined, 2000, 'retirement');
    assert.equal(room.closed, true);
    assert.equal(reg.size, 0);
    throwsCode(() => room.add(person('a')), ErrorCodes.ROOM_NOT_FOUND);
  });

  test('a room retires TTL after its last member leaves, not while occupied', async () => {
    const reg = new RoomRegistry({ ...opts, emptyRoomTtlMs: 40 });
    const room = reg.create();
    room.add(person('a'));
    const stillThere = reg.create(); // a control that is empty from the start
    await until(() => reg.get(stillThere.code) === undefined, 2000, 'control room retirement');
    assert.equal(reg.get(room.code), room, 'occupied room outlives the TTL');
    room.remove('a', 'left');
    const emptiedAt = Date.now();
    await until(() => reg.get(room.code) === undefined, 2000, 'retirement after leave');
    assert.ok(Date.now() - emptiedAt >= 30, 'not retired before the TTL');
    assert.equal(reg.size, 0);
    reg.close();
  });

  test('rejoining within the TTL cancels retirement', async () => {
    const reg = new RoomRegistry({ ...opts, emptyRoomTtlMs: 40 });
    const room = reg.create();
    room.add(person('a'));
    room.remove('a', 'left');
    room.add(person('b'));
    const control = reg.create();
    await until(() => reg.get(control.code) === undefined, 2000, 'control room retirement');
    assert.equal(reg.get(room.code), room);
    assert.equal(room.closed, false);
    reg.close();
  });

  test('restore re-opens a known code, or returns the live room', () => {
    const reg = new RoomRegistry(opts);
    const restored = reg.restore('abc-defg-hjk');
    assert.equal(restored.code, 'abc-defg-hjk');
    assert.equal(reg.get('abc-defg-hjk'), restored);
    assert.equal(reg.restore('abc-defg-hjk'), restored);
    const live = reg.create();
    assert.equal(reg.restore(live.code), live);
    assert.equal(reg.size, 2);
    reg.close();
  });

  test('a restored room also expires when nobody joins', async () => {
    const reg = new RoomRegistry({ ...opts, emptyRoomTtlMs: 20 });
    reg.restore('abc-defg-hjk');
    await until(() => reg.get('abc-defg-hjk') === undefined, 2000, 'retirement');
  });

  test('close closes every room; afterwards nothing opens (SERVER_BUSY); idempotent', () => {
    const reg = new RoomRegistry(opts);
    const a = reg.create();
    const b = reg.create();
    a.add(person('x'));
    reg.close();
    reg.close();
    assert.equal(a.closed, true);
    assert.equal(b.closed, true);
    assert.equal(reg.size, 0);
    assert.equal(reg.get(a.code), undefined);
    throwsCode(() => reg.create(), ErrorCodes.SERVER_BUSY);
    throwsCode(() => reg.restore(a.code), ErrorCodes.SERVER_BUSY);
  });
});
