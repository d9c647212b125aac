import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '@lectern/protocol';
import { Live, type TestClient } from '../live-support.test.js';

let live: Live;
before(async () => {
  live = await Live.start({ maxParticipants: 12 });
});
after(async () => {
  await live.stop();
});

/** A session whose first member is the host. */
async function classroom(names: string[]): Promise<{ code: string; host: TestClient; others: TestClient[] }> {
  const { code, clients } = await live.session(names);
  const [host, ...others] = clients;
  return { code, host: host!, others };
}

describe('host controls', () => {
  test('host mutes a participant: everyone is told by whom; only the participant can unmute', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    host.send({ type: 'mute', participantId: ben.participantId });
    const notice = { type: 'moderation', action: 'mute', by: { id: host.participantId, name: 'Ana' }, target: { id: ben.participantId, name: 'Ben' } };
    assert.deepEqual(await ben.next('moderation'), notice);
    assert.deepEqual(await cy.next('moderation'), notice);
    assert.deepEqual(await cy.next('media-state'), { type: 'media-state', from: ben.participantId, muted: true, cameraOff: false });
    ben.send({ type: 'media-state', muted: false, cameraOff: false });
    assert.equal((await cy.next('media-state')).muted, false);
  });

  test('mute-all mutes the participants but not the co-hosts; camera-off turns a camera off for everyone', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy', 'Dee']);
    const [ben, cy, dee] = others as [TestClient, TestClient, TestClient];
    host.send({ type: 'set-role', participantId: ben.participantId, role: 'cohost' });
    await dee.next('role');
    host.send({ type: 'mute-all' });
    assert.deepEqual(await dee.next('moderation', (m) => m.action === 'mute-all'), { type: 'moderation', action: 'mute-all', by: { id: host.participantId, name: 'Ana' }, target: null });
    await host.roundTrip();
    const muted = host.drain().filter((m) => m.type === 'media-state' && m.muted).map((m) => (m.type === 'media-state' ? m.from : ''));
    assert.deepEqual(new Set(muted), new Set([cy.participantId, dee.participantId]), 'only participants are muted');
    host.send({ type: 'camera-off', participantId: cy.participantId });
    assert.deepEqual(await dee.next('media-state', (m) => m.from === cy.participantId && m.cameraOff), {
      type: 'media-state',
      from: cy.participantId,
      muted: true,
      cameraOff: true,
    });
    assert.equal((await cy.next('moderation', (m) => m.action === 'camera-off')).target?.id, cy.participantId);
    assert.equal(ben.closeInfo, null);
  });

  test('a participant using a host control gets NOT_ALLOWED and nobody hears anything', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    for (const msg of [
      { type: 'mute', participantId: cy.participantId },
      { type: 'remove', participantId: host.participantId },
      { type: 'set-lock', locked: true },
      { type: 'make-host', participantId: ben.participantId },
    ]) {
      ben.send(msg);
      const e = await ben.next('error');
      assert.equal(e.code, ErrorCodes.NOT_ALLOWED);
      assert.equal(e.ref, msg.type);
    }
    await host.roundTrip();
    await cy.roundTrip();
    assert.deepEqual(host.pending(), []);
    assert.deepEqual(cy.pending(), []);
  });

  test('a co-host can mute participants but not the host, and cannot make co-hosts', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    host.send({ type: 'set-role', participantId: ben.participantId, role: 'cohost' });
    assert.deepEqual(await cy.next('role'), { type: 'role', participantId: ben.participantId, role: 'cohost' });
    await ben.next('role');
    ben.send({ type: 'mute', participantId: cy.participantId });
    assert.equal((await cy.next('moderation', (m) => m.action === 'mute')).by.id, ben.participantId);
    ben.send({ type: 'mute', participantId: host.participantId });
    assert.equal((await ben.next('error')).code, ErrorCodes.NOT_ALLOWED);
    ben.send({ type: 'set-role', participantId: cy.participantId, role: 'cohost' });
    assert.equal((await ben.next('error')).code, ErrorCodes.NOT_ALLOWED);
  });

  test('handing the host role over makes the old host a co-host', async () => {
    const { host, others } = await classroom(['Ana', 'Ben']);
    const [ben] = others as [TestClient];
    host.send({ type: 'make-host', participantId: ben.participantId });
    const roles = [await ben.next('role'), await ben.next('role')];
    assert.deepEqual(new Set(roles.map((r) => `${r.participantId}:${r.role}`)), new Set([`${ben.participantId}:host`, `${host.participantId}:cohost`]));
    host.send({ type: 'make-host', participantId: ben.participantId });
    assert.equal((await host.next('error')).code, ErrorCodes.NOT_ALLOWED, 'a co-host now');
  });

  test('removed: told by whom, gone for the others, and cannot rejoin by id or resume token', async () => {
    const { code, host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    const token = ben.log.find((m) => m.type === 'joined');
    assert.ok(token?.type === 'joined');
    host.send({ type: 'remove', participantId: ben.participantId });
    assert.deepEqual(await ben.next('moderation'), {
      type: 'moderation',
      action: 'remove',
      by: { id: host.participantId, name: 'Ana' },
      target: { id: ben.participantId, name: 'Ben' },
    });
    assert.deepEqual(await cy.next('participant-left'), { type: 'participant-left', participantId: ben.participantId, reason: 'removed' });
    ben.join(code, 'Ben');
    assert.equal((await ben.next('join-error')).code, ErrorCodes.REMOVED);
    ben.send({ type: 'chat-send', id: 'abcdefgh01', text: 'still here?' });
    assert.equal((await ben.next('chat-error')).code, ErrorCodes.NOT_JOINED);
    const again = await live.client();
    await again.hello(token.resumeToken);
    again.join(code, 'Ben');
    assert.equal((await again.next('join-error')).code, ErrorCodes.REMOVED);
    host.send({ type: 'remove', participantId: host.participantId });
    assert.equal((await host.next('error')).code, ErrorCodes.NOT_ALLOWED);
  });

  test('locked: new joiners get ROOM_LOCKED; a member coming back still gets in; unlock opens it', async () => {
    const { code, host, others } = await classroom(['Ana', 'Ben']);
    const [ben] = others as [TestClient];
    host.send({ type: 'set-lock', locked: true });
    assert.equal((await ben.next('room-state')).locked, true);
    assert.equal((await ben.next('moderation')).action, 'lock');
    const late = await live.ready();
    late.join(code, 'Late');
    assert.equal((await late.next('join-error')).code, ErrorCodes.ROOM_LOCKED);
    ben.send({ type: 'leave' });
    await host.next('participant-left');
    assert.equal((await ben.joined(code, 'Ben')).self.role, 'participant');
    host.send({ type: 'set-lock', locked: false });
    await late.roundTrip();
    await late.joined(code, 'Late');
  });

  test('stop-screen ends a share for everyone; spotlight on it clears with it', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    ben.send({ type: 'screen-share', screen: { streamId: 'scr1', audio: false } });
    await cy.next('screen-share');
    await host.next('screen-share');
    host.send({ type: 'spotlight', spotlight: { participantId: ben.participantId, screen: true } });
    assert.deepEqual((await cy.next('room-state')).spotlight, { participantId: ben.participantId, screen: true });
    host.send({ type: 'stop-screen', participantId: ben.participantId });
    assert.deepEqual(await cy.next('screen-share'), { type: 'screen-share', from: ben.participantId, screen: null });
    assert.equal((await cy.next('room-state')).spotlight, null);
    assert.equal((await ben.next('moderation', (m) => m.action === 'stop-screen')).target?.id, ben.participantId);
    host.send({ type: 'spotlight', spotlight: { participantId: ben.participantId, screen: true } });
    assert.equal((await host.next('error')).code, ErrorCodes.NOT_ALLOWED, 'no screen to spotlight');
  });
});

describe('lobby', () => {
  test('a joiner waits unseen; the host sees the queue and admits; the joiner gets joined', async () => {
    const { code, host, others } = await classroom(['Ana', 'Ben']);
    const [ben] = others as [TestClient];
    host.send({ type: 'set-lobby', enabled: true });
    assert.equal((await host.next('room-state')).lobby, true);
    const w = await live.ready();
    w.join(code, 'Wanda');
    assert.deepEqual(await w.next('lobby-waiting'), { type: 'lobby-waiting', code });
    const seen = await host.next('room-state', (m) => m.waiting.length === 1);
    assert.deepEqual(seen.waiting, [{ id: w.participantId, name: 'Wanda' }]);
    // Waiting is not membership: nothing of the session reaches or comes from the joiner.
    w.send({ type: 'chat-send', id: 'abcdefgh02', text: 'hello?' });
    assert.equal((await w.next('chat-error')).code, ErrorCodes.NOT_JOINED);
    await ben.roundTrip();
    assert.equal(ben.pending('participant-joined').length, 0);
    assert.ok(ben.pending('room-state').every((m) => m.type === 'room-state' && m.waiting.length === 0), 'participants never see the lobby');
    ben.send({ type: 'admit', participantId: w.participantId });
    assert.equal((await ben.next('error')).code, ErrorCodes.NOT_ALLOWED);
    host.send({ type: 'admit', participantId: w.participantId });
    const joined = await w.next('joined');
    assert.equal(joined.participants.length, 2);
    await ben.next('participant-joined', (m) => m.participant.id === w.participantId);
    assert.deepEqual((await host.next('room-state', (m) => m.waiting.length === 0)).waiting, []);
  });

  test('deny tells the joiner; a joiner who closes the tab leaves the queue; hosts bypass it', async () => {
    const { code, host } = await classroom(['Ana']);
    host.send({ type: 'set-lobby', enabled: true });
    const d = await live.ready();
    d.join(code, 'Dora');
    await d.next('lobby-waiting');
    await host.next('room-state', (m) => m.waiting.length === 1);
    host.send({ type: 'deny', participantId: d.participantId });
    assert.equal((await d.next('join-error')).code, ErrorCodes.LOBBY_DENIED);
    await host.next('room-state', (m) => m.waiting.length === 0);
    const q = await live.ready();
    q.join(code, 'Quitter');
    await host.next('room-state', (m) => m.waiting.length === 1);
    await q.close();
    await host.next('room-state', (m) => m.waiting.length === 0);
    const keyHolder = await live.ready();
    keyHolder.send({ type: 'join', code, name: 'Ana 2', media: { muted: false, cameraOff: false }, hostKey: host.hostKeys.get(code) });
    assert.equal((await keyHolder.next('joined')).self.role, 'host');
  });

  test('admit-all lets everyone in; turning the lobby off does too', async () => {
    const { code, host } = await classroom(['Ana']);
    host.send({ type: 'set-lobby', enabled: true });
    const wait = async (n: string): Promise<TestClient> => {
      const c = await live.ready();
      c.join(code, n);
      await c.next('lobby-waiting');
      return c;
    };
    const [w1, w2] = [await wait('W1'), await wait('W2')];
    await host.next('room-state', (m) => m.waiting.length === 2);
    host.send({ type: 'admit-all' });
    await w1.next('joined');
    await w2.next('joined');
    const w3 = await wait('W3');
    await host.next('room-state', (m) => m.waiting.length === 1);
    host.send({ type: 'set-lobby', enabled: false });
    await w3.next('joined');
  });
});

describe('lobby limits', () => {
  test('the lobby holds at most 50 joiners (twice the session size when larger); the next one gets ROOM_FULL', async () => {
    const { code, host } = await classroom(['Ana']);
    host.send({ type: 'set-lobby', enabled: true });
    await host.next('room-state', (m) => m.lobby);
    // One connect at a time: fifty at once outlast the connect deadline on a loaded machine.
    const waiting: TestClient[] = [];
    for (let i = 0; i < 50; i++) {
      const c = await live.ready();
      c.join(code, `W${i}`);
      waiting.push(c);
    }
    for (const c of waiting) await c.next('lobby-waiting');
    const extra = await live.ready();
    extra.join(code, 'One too many');
    assert.equal((await extra.next('join-error')).code, ErrorCodes.ROOM_FULL);
    await Promise.all(waiting.map((c) => c.close()));
    await host.next('room-state', (m) => m.waiting.length === 0, 10_000);
  });
});

describe('lobby when the session ends', () => {
  test('joiners still waiting when the session expires are told, and may ask again', async () => {
    const short = await Live.start({ emptyRoomTtlMs: 1000 });
    try {
      const host = await short.ready();
      const code = await host.create();
      await host.joined(code, 'Ana');
      host.send({ type: 'set-lobby', enabled: true });
      await host.next('room-state', (m) => m.lobby);
      const w = await short.ready();
      w.join(code, 'Wanda');
      await w.next('lobby-waiting');
      await host.close(); // nobody left to let Wanda in; the empty session expires
      assert.equal((await w.next('join-error', undefined, 5000)).code, ErrorCodes.ROOM_NOT_FOUND);
      w.join(code, 'Wanda');
      assert.equal((await w.next('join-error')).code, ErrorCodes.ROOM_NOT_FOUND, 'not stuck as "already waiting"');
    } finally {
      await short.stop();
    }
  });
});

describe('hands, reactions, spotlight', () => {
  test('raised hands queue in order; hosts see all, a participant only its own; a host lowers one', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    cy.send({ type: 'raise-hand', raised: true });
    await host.next('room-state', (m) => m.hands.length === 1);
    ben.send({ type: 'raise-hand', raised: true });
    const q = await host.next('room-state', (m) => m.hands.length === 2);
    assert.deepEqual(q.hands.map((h) => h.name), ['Cy', 'Ben']);
    assert.deepEqual((await ben.next('room-state')).hands, [{ participantId: ben.participantId, name: 'Ben' }]);
    cy.send({ type: 'raise-hand', raised: true }); // again: keeps its place
    assert.deepEqual((await host.next('room-state')).hands.map((h) => h.name), ['Cy', 'Ben']);
    host.send({ type: 'lower-hand', participantId: cy.participantId });
    assert.deepEqual((await host.next('room-state', (m) => m.hands.length === 1)).hands.map((h) => h.name), ['Ben']);
    assert.equal((await cy.next('moderation')).action, 'lower-hand');
    ben.send({ type: 'lower-hand', participantId: cy.participantId });
    assert.equal((await ben.next('error')).code, ErrorCodes.NOT_ALLOWED);
  });

  test('reactions reach everyone from the sender; unknown emoji are refused', async () => {
    const { host, others } = await classroom(['Ana', 'Ben']);
    const [ben] = others as [TestClient];
    ben.send({ type: 'reaction', emoji: '👏' });
    assert.deepEqual(await host.next('reaction'), { type: 'reaction', from: ben.participantId, emoji: '👏' });
    assert.deepEqual(await ben.next('reaction'), { type: 'reaction', from: ben.participantId, emoji: '👏' });
    ben.send({ type: 'reaction', emoji: '<img src=x>' });
    assert.equal((await ben.next('error')).code, ErrorCodes.BAD_MESSAGE);
  });

  test('spotlight reaches everyone and ends when the spotlit member leaves', async () => {
    const { host, others } = await classroom(['Ana', 'Ben', 'Cy']);
    const [ben, cy] = others as [TestClient, TestClient];
    host.send({ type: 'spotlight', spotlight: { participantId: cy.participantId, screen: false } });
    assert.deepEqual((await ben.next('room-state')).spotlight, { participantId: cy.participantId, screen: false });
    assert.equal((await ben.next('moderation')).action, 'spotlight');
    await cy.close();
    assert.equal((await ben.next('room-state')).spotlight, null);
  });
});
