import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Role, ServerMessage } from '@lectern/protocol';
import { Participant, type ParticipantLink } from './participant.js';
import { Room } from './room.js';

const owner = { roomEmptied() {}, roomOccupied() {} };
const link = (): ParticipantLink & { sent: ServerMessage[] } => {
  const sent: ServerMessage[] = [];
  return { sent, send: (m) => void sent.push(m), close() {} };
};

function member(room: Room, id: string, role: Role = 'participant') {
  const l = link();
  const p = new Participant(id, id.toUpperCase(), { muted: false, cameraOff: false }, l, role);
  room.add(p);
  return { p, sent: l.sent };
}

describe('room controls', () => {
  test('one host: a new host makes the old one a co-host, and everyone hears both changes', () => {
    const room = new Room('abc-defg-hjk', 8, owner);
    const a = member(room, 'a', 'host');
    const b = member(room, 'b');
    room.setRole('b', 'host');
    assert.equal(a.p.role, 'cohost');
    assert.equal(b.p.role, 'host');
    assert.deepEqual(a.sent.filter((m) => m.type === 'role'), [
      { type: 'role', participantId: 'a', role: 'cohost' },
      { type: 'role', participantId: 'b', role: 'host' },
    ]);
    // A host arriving with the key does the same.
    const c = member(room, 'c', 'host');
    assert.equal(b.p.role, 'cohost');
    assert.equal(c.p.role, 'host');
    assert.equal(room.controls.rememberedRole('b'), 'cohost', 'remembered for a comeback');
  });

  test('each member sees the controls its role may: hands and lobby for hosts, own hand for others', () => {
    const room = new Room('abc-defg-hjk', 8, owner);
    const host = member(room, 'h', 'host');
    const a = member(room, 'a');
    member(room, 'b');
    room.controls.hands.set('b', 'B');
    room.controls.hands.set('a', 'A');
    room.controls.waiting.set('w', { id: 'w', name: 'W', media: { muted: false, cameraOff: false }, role: 'participant', link: link() });
    room.publishControls();
    const last = (sent: ServerMessage[]) => sent.filter((m) => m.type === 'room-state').at(-1);
    assert.deepEqual(last(host.sent), {
      type: 'room-state', locked: false, lobby: false, spotlight: null,
      hands: [{ participantId: 'b', name: 'B' }, { participantId: 'a', name: 'A' }],
      waiting: [{ id: 'w', name: 'W' }],
    });
    assert.deepEqual(last(a.sent), { type: 'room-state', locked: false, lobby: false, spotlight: null, hands: [{ participantId: 'a', name: 'A' }], waiting: [] });
  });

  test('a member who leaves takes their hand and any spotlight on them along', () => {
    const room = new Room('abc-defg-hjk', 8, owner);
    const host = member(room, 'h', 'host');
    member(room, 'a');
    room.controls.hands.set('a', 'A');
    room.controls.spotlight = { participantId: 'a', screen: false };
    room.remove('a', 'removed');
    assert.equal(room.controls.hands.size, 0);
    assert.equal(room.controls.spotlight, null);
    const state = host.sent.filter((m) => m.type === 'room-state').at(-1);
    assert.ok(state?.type === 'room-state' && state.spotlight === null && state.hands.length === 0);
    assert.deepEqual(host.sent.find((m) => m.type === 'participant-left'), { type: 'participant-left', participantId: 'a', reason: 'removed' });
  });

  test('bans hold ids and identities; nothing is banned by an absent identity', () => {
    const room = new Room('abc-defg-hjk', 8, owner);
    room.controls.ban('p1', undefined, 'lms:42');
    assert.ok(room.controls.isBanned('p1'));
    assert.ok(room.controls.isBanned('p9', 'lms:42'));
    assert.ok(!room.controls.isBanned('p9', undefined));
  });
});
