import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, LecternError, type ServerMessage } from '@lectern/protocol';
import { Participant, type ParticipantLink } from './participant.js';
import { Room, type RoomOwner } from './room.js';

class FakeLink implements ParticipantLink {
  readonly sent: ServerMessage[] = [];
  readonly closes: Array<[number, string]> = [];
  send(message: ServerMessage): void {
    this.sent.push(message);
  }
  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
}

class FakeOwner implements RoomOwner {
  readonly events: string[] = [];
  roomEmptied(room: Room): void {
    this.events.push(`emptied ${room.code}`);
  }
  roomOccupied(room: Room): void {
    this.events.push(`occupied ${room.code}`);
  }
}

function person(id: string, name = id): { p: Participant; link: FakeLink } {
  const link = new FakeLink();
  return { p: new Participant(id, name, { muted: false, cameraOff: false }, link), link };
}

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof LecternError && err.code === code);
}

const CODE = 'abc-defg-hjk';

describe('Room membership', () => {
  test('join broadcasts participant-joined to the others only', () => {
    const room = new Room(CODE, 6, new FakeOwner());
    const a = person('a', 'Ada');
    const b = person('b', 'Bob');
    room.add(a.p);
    assert.deepEqual(a.link.sent, [], 'nobody to tell, and never the joiner');
    room.add(b.p);
    assert.deepEqual(a.link.sent, [{ type: 'participant-joined', participant: { id: 'b', name: 'Bob', muted: false, cameraOff: false, role: 'participant' } }]);
    assert.deepEqual(b.link.sent, []);
    assert.equal(room.size, 2);
    assert.equal(room.get('b'), b.p);
  });

  test('leave broadcasts participant-left with the reason to the others only', () => {
    const room = new Room(CODE, 6, new FakeOwner());
    const [a, b, c] = [person('a'), person('b'), person('c')];
    room.add(a.p);
    room.add(b.p);
    room.add(c.p);
    for (const x of [a, b, c]) x.link.sent.length = 0;
    assert.equal(room.remove('b', 'timeout'), true);
    const left = { type: 'participant-left', participantId: 'b', reason: 'timeout' };
    assert.deepEqual(a.link.sent, [left]);
    assert.deepEqual(c.link.sent, [left]);
    assert.deepEqual(b.link.sent, []);
    assert.equal(room.get('b'), undefined);
    assert.equal(room.remove('b', 'left'), false, 'removing twice is a no-op');
    assert.equal(a.link.sent.length, 1, 'and tells nobody');
  });

  test('is full at maxParticipants: ROOM_FULL, nobody is told', () => {
    const room = new Room(CODE, 3, new FakeOwner());
    const people = ['a', 'b', 'c'].map((id) => person(id));
    for (const x of people) room.add(x.p);
    for (const x of people) x.link.sent.length = 0;
    throwsCode(() => room.add(person('d').p), ErrorCodes.ROOM_FULL);
    assert.equal(room.size, 3);
    for (const x of people) assert.deepEqual(x.link.sent, []);
    room.remove('a', 'left');
    room.add(person('d').p); // a seat is free again
    assert.equal(room.size, 3);
  });

  test('the same id cannot join twice', () => {
    const room = new Room(CODE, 6, new FakeOwner());
    room.add(person('a').p);
    throwsCode(() => room.add(person('a').p), ErrorCodes.ALREADY_JOINED);
    assert.equal(room.size, 1);
  });

  test('tells its owner when it becomes occupied and empty', () => {
    const owner = new FakeOwner();
    const room = new Room(CODE, 6, owner);
    room.add(person('a').p);
    room.add(person('b').p);
    room.remove('a', 'left');
    assert.deepEqual(owner.events, [`occupied ${CODE}`]);
    room.remove('b', 'disconnected');
    assert.deepEqual(owner.events, [`occupied ${CODE}`, `emptied ${CODE}`]);
    room.remove('b', 'disconnected');
    assert.equal(owner.events.length, 2);
  });

  test('a closed room takes nobody (ROOM_NOT_FOUND); close is idempotent', () => {
    const room = new Room(CODE, 6, new FakeOwner());
    room.add(person('a').p);
    room.close();
    room.close();
    assert.equal(room.closed, true);
    assert.equal(room.size, 0);
    throwsCode(() => room.add(person('b').p), ErrorCodes.ROOM_NOT_FOUND);
  });

  test('reattach announces the member again to the others', () => {
    const room = new Room(CODE, 6, new FakeOwner());
    const [a, b] = [person('a'), person('b')];
    room.add(a.p);
    room.add(b.p);
    a.link.sent.length = 0;
    room.reattach(b.p);
    assert.deepEqual(a.link.sent.map((m) => m.type), ['participant-joined']);
    assert.deepEqual(b.link.sent, []);
  });
});

describe('Room relay', () => {
  function trio(): { room: Room; a: FakeLink; b: FakeLink; c: FakeLink } {
    const room = new Room(CODE, 6, new FakeOwner());
    const [a, b, c] = [person('a'), person('b'), person('c')];
    for (const x of [a, b, c]) room.add(x.p);
    for (const x of [a, b, c]) x.link.sent.length = 0;
    return { room, a: a.link, b: b.link, c: c.link };
  }

  test('delivers to exactly the addressee', () => {
    const { room, a, b, c } = trio();
    room.relay('a', 'b', { type: 'offer', from: 'a', sdp: 'v=0' });
    assert.deepEqual(b.sent, [{ type: 'offer', from: 'a', sdp: 'v=0' }]);
    assert.deepEqual(a.sent, []);
    assert.deepEqual(c.sent, []);
  });

  test('to an unknown id → PARTICIPANT_NOT_FOUND, nothing delivered', () => {
    const { room, a, b, c } = trio();
    throwsCode(() => room.relay('a', 'zz', { type: 'answer', from: 'a', sdp: 'v=0' }), ErrorCodes.PARTICIPANT_NOT_FOUND);
    for (const l of [a, b, c]) assert.deepEqual(l.sent, []);
  });

  test('to a member of another room → PARTICIPANT_NOT_FOUND', () => {
    const { room } = trio();
    const other = new Room('bcd-efgh-jkm', 6, new FakeOwner());
    const x = person('x');
    other.add(x.p);
    throwsCode(() => room.relay('a', 'x', { type: 'ice-candidate', from: 'a', candidate: null }), ErrorCodes.PARTICIPANT_NOT_FOUND);
    assert.deepEqual(x.link.sent, []);
  });

  test('to oneself → NOT_ALLOWED', () => {
    const { room, a } = trio();
    throwsCode(() => room.relay('a', 'a', { type: 'offer', from: 'a', sdp: 'v=0' }), ErrorCodes.NOT_ALLOWED);
    assert.deepEqual(a.sent, []);
  });

  test('from a non-member → NOT_JOINED', () => {
    const { room, b } = trio();
    throwsCode(() => room.relay('stranger', 'b', { type: 'offer', from: 'stranger', sdp: 'v=0' }), ErrorCodes.NOT_JOINED);
    assert.deepEqual(b.sent, []);
  });

  test('broadcast skips the excepted member', () => {
    const { room, a, b, c } = trio();
    room.broadcast({ type: 'media-state', from: 'a', muted: true, cameraOff: false }, 'a');
    assert.equal(a.sent.length, 0);
    assert.equal(b.sent.length, 1);
    assert.equal(c.sent.length, 1);
  });
});

describe('Room: topology', () => {
  class TopologyOwner extends FakeOwner {
    readonly changes: string[] = [];
    topologyChanged(_room: Room, topology: string, newcomerId?: string): void {
      this.changes.push(`${topology}${newcomerId ? ` (newcomer ${newcomerId})` : ''}`);
    }
  }

  test('mesh and sfu policies never change', () => {
    for (const mode of ['mesh', 'sfu'] as const) {
      const owner = new TopologyOwner();
      const room = new Room('abc-defg-hjk', 50, owner, { mode, threshold: 2 });
      for (const id of ['a', 'b', 'c', 'd']) room.add(person(id).p);
      room.remove('a', 'left');
      assert.equal(room.topology, mode);
      assert.deepEqual(owner.changes, []);
    }
  });

  test('auto: past the threshold the members are told "sfu" before they hear of the joiner; back to mesh at two', () => {
    const owner = new TopologyOwner();
    const room = new Room('abc-defg-hjk', 50, owner, { mode: 'auto', threshold: 3 });
    const people = ['a', 'b', 'c', 'd', 'e'].map((id) => person(id));
    for (const x of people.slice(0, 3)) room.add(x.p);
    assert.equal(room.topology, 'mesh');
    room.add(people[3]!.p);
    assert.equal(room.topology, 'sfu');
    assert.deepEqual(owner.changes, ['sfu (newcomer d)']);
    const seenByA = people[0]!.link.sent.map((m) => m.type);
    assert.deepEqual(seenByA.slice(-2), ['topology', 'participant-joined'], 'topology first');
    assert.ok(!people[3]!.link.sent.some((m) => m.type === 'topology'), 'the joiner learns it from joined');
    room.add(people[4]!.p);
    assert.equal(owner.changes.length, 1, 'stays sfu while large');
    for (const id of ['e', 'd']) room.remove(id, 'left');
    assert.equal(room.topology, 'sfu', 'three people stay on the SFU');
    room.remove('c', 'left');
    assert.equal(room.topology, 'mesh');
    assert.deepEqual(owner.changes, ['sfu (newcomer d)', 'mesh']);
    assert.deepEqual(
      people[0]!.link.sent.slice(-2).map((m) => m.type),
      ['topology', 'participant-left'],
    );
  });
});
