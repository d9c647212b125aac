/**
 * The authorization matrix: every role × every client message type, over a real server and
 * real WebSockets. No member can act above its role; and nothing with a forged `from`, or
 * aimed at another session, is ever delivered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLIENT_MESSAGE_TYPES,
  ErrorCodes,
  MODERATION_MESSAGE_TYPES,
  PROTOCOL_VERSION,
  type ClientMessage,
  type Role,
  type ServerMessage,
} from '@lectern/protocol';
import { Live, type TestClient } from '../live-support.test.js';

let live: Live;
before(async () => {
  // The 10,000 forged messages come fast from few sockets: this is about who hears them, not the rate limit,
  // nor heartbeats (on a loaded machine sending them outlasts the default 15 s while the other session is silent).
  live = await Live.start({ maxParticipants: 8, messageRate: 1_000_000, messageBurst: 1_000_000, heartbeatTimeoutMs: 600_000 });
});
after(async () => {
  await live.stop();
});

const RANK: Record<Role, number> = { participant: 0, cohost: 1, host: 2 };
/** Written out here, not imported, so a loosened rule in the server fails this test. */
const ANYONE = new Set(['raise-hand', 'reaction']);
const HOST_ONLY = new Set(['set-role', 'make-host']);
const required = (type: string): Role => (ANYONE.has(type) ? 'participant' : HOST_ONLY.has(type) ? 'host' : 'cohost');
const MEDIA = { muted: false, cameraOff: false };

interface Cast {
  code: string;
  byRole: Record<Role, TestClient>;
  target: TestClient;
  waiter: TestClient;
  all: TestClient[];
}

/** Host, co-host, participant, a target participant, and one joiner waiting in the lobby. */
async function cast(): Promise<Cast> {
  const { code, clients } = await live.session(['Host', 'Cohost', 'Part', 'Target']);
  const [host, cohost, part, target] = clients as [TestClient, TestClient, TestClient, TestClient];
  host.send({ type: 'set-role', participantId: cohost.participantId, role: 'cohost' });
  await cohost.next('role');
  host.send({ type: 'set-lobby', enabled: true });
  await cohost.next('room-state', (m) => m.lobby);
  const waiter = await live.ready();
  waiter.join(code, 'Waiter');
  await waiter.next('lobby-waiting');
  await host.next('room-state', (m) => m.waiting.length === 1);
  const all = [host, cohost, part, target, waiter];
  for (const c of all) {
    await c.roundTrip();
    c.drain();
  }
  return { code, byRole: { host, cohost, participant: part }, target, waiter, all };
}

/** A well-formed example of every client message type, aimed at the cast's target. */
function example(type: ClientMessage['type'], c: Cast): ClientMessage {
  const to = c.target.participantId;
  const examples: { [T in ClientMessage['type']]: Extract<ClientMessage, { type: T }> } = {
    hello: { type: 'hello', v: PROTOCOL_VERSION },
    create: { type: 'create' },
    'create-class-room': { type: 'create-class-room', name: 'Matrix' },
    join: { type: 'join', code: c.code, name: 'Again', media: MEDIA },
    leave: { type: 'leave' },
    offer: { type: 'offer', to, sdp: 'v=0\r\n', dataLink: 'opener' },
    answer: { type: 'answer', to, sdp: 'v=0\r\n' },
    'ice-candidate': { type: 'ice-candidate', to, candidate: null },
    'media-state': { type: 'media-state', muted: true, cameraOff: false },
    'screen-share': { type: 'screen-share', screen: null },
    'chat-send': { type: 'chat-send', id: 'matrix0001', text: 'hi' },
    'sfu-publish': { type: 'sfu-publish', sdp: 'v=0\r\n' },
    'sfu-subscribe-answer': { type: 'sfu-subscribe-answer', sdp: 'v=0\r\n' },
    'sfu-candidate': { type: 'sfu-candidate', pc: 'publish', candidate: null },
    'sfu-view': { type: 'sfu-view', views: [{ participantId: to, height: 360 }] },
    ping: { type: 'ping', t: 1 },
    mute: { type: 'mute', participantId: to },
    'mute-all': { type: 'mute-all' },
    'camera-off': { type: 'camera-off', participantId: to },
    'stop-screen': { type: 'stop-screen', participantId: to },
    remove: { type: 'remove', participantId: to },
    'set-role': { type: 'set-role', participantId: to, role: 'cohost' },
    'make-host': { type: 'make-host', participantId: to },
    'set-lock': { type: 'set-lock', locked: true },
    'set-lobby': { type: 'set-lobby', enabled: false },
    admit: { type: 'admit', participantId: c.waiter.participantId },
    'admit-all': { type: 'admit-all' },
    deny: { type: 'deny', participantId: c.waiter.participantId },
    'raise-hand': { type: 'raise-hand', raised: true },
    'lower-hand': { type: 'lower-hand', participantId: to },
    reaction: { type: 'reaction', emoji: '👍' },
    spotlight: { type: 'spotlight', spotlight: { participantId: to, screen: false } },
  };
  return examples[type];
}

/** What a reply looks like, for comparing across roles. */
function shape(m: ServerMessage): string {
  return m.type === 'error' || m.type === 'join-error' || m.type === 'chat-error' ? `${m.type}:${m.code}` : m.type;
}

describe('authorization matrix', () => {
  test('every role × every client message type: nobody acts above its role', async () => {
    const moderation = new Set<string>(MODERATION_MESSAGE_TYPES);
    const replies = new Map<string, Map<Role, string[]>>();
    let denied = 0;
    for (const type of CLIENT_MESSAGE_TYPES) {
      for (const role of ['participant', 'cohost', 'host'] as const) {
        const c = await cast();
        const actor = c.byRole[role];
        actor.send(example(type, c));
        await actor.roundTrip();
        const got = actor.drain();
        const refused = got.find((m) => m.type === 'error' && m.code === ErrorCodes.NOT_ALLOWED);
        const cell = `${role} × ${type}`;
        if (moderation.has(type)) {
          const mayAct = RANK[role] >= RANK[required(type)];
          if (mayAct) {
            assert.equal(refused, undefined, `${cell}: refused, but the role allows it`);
          } else {
            denied++;
            assert.ok(refused?.type === 'error' && refused.ref === type, `${cell}: expected NOT_ALLOWED, got ${JSON.stringify(got)}`);
            // Nothing happened: nobody else heard anything at all.
            for (const other of c.all.filter((o) => o !== actor)) {
              await other.roundTrip();
              assert.deepEqual(other.drain(), [], `${cell}: ${other.participantId} heard something`);
            }
          }
        } else {
          // Signaling messages: the role changes nothing about the answer.
          const byRole = replies.get(type) ?? new Map<Role, string[]>();
          byRole.set(role, got.map(shape));
          replies.set(type, byRole);
        }
        for (const client of c.all) await client.close();
      }
    }
    for (const [type, byRole] of replies) {
      const [first, ...rest] = [...byRole.values()];
      for (const r of rest) assert.deepEqual(r, first, `${type}: the reply depends on the role`);
    }
    // 14 host controls a participant may not use, and the 2 that only the host may (set-role, make-host).
    assert.equal(denied, 16, 'refused cells');
  });

  test('10,000 messages with a forged from or aimed at another session: none delivered', async () => {
    const s1 = await live.session(['Ana', 'Ben']);
    const s2 = await live.session(['Xia', 'Yan']);
    const [a, b] = s1.clients as [TestClient, TestClient];
    const [x, y] = s2.clients as [TestClient, TestClient];
    const outsiders = [x.participantId, y.participantId];
    const attacks = (i: number): unknown[] => {
      const foreign = outsiders[i % 2]!;
      return [
        { type: 'offer', to: foreign, sdp: 'v=0\r\n', from: b.participantId },
        { type: 'offer', to: b.participantId, sdp: 'v=0\r\n', from: foreign },
        { type: 'ice-candidate', to: foreign, candidate: null, from: a.participantId },
        { type: 'media-state', muted: i % 2 === 0, cameraOff: false, from: foreign },
        { type: 'chat-send', id: `forged${String(i).padStart(6, '0')}`, to: foreign, text: 'psst', from: foreign },
        { type: 'mute', participantId: foreign },
        { type: 'remove', participantId: foreign },
        { type: 'admit', participantId: foreign },
        { type: 'spotlight', spotlight: { participantId: foreign, screen: false } },
        { type: 'make-host', participantId: foreign, from: foreign },
        { type: 'join', code: s2.code, name: 'Sneak', media: MEDIA },
        { type: 'reaction', emoji: '🎉', from: foreign },
      ];
    };
    let sent = 0;
    for (let i = 0; sent < 10_000; i++) {
      for (const m of attacks(i)) {
        a.send(m);
        sent++;
      }
      if (i % 20 === 19) await a.roundTrip();
    }
    await a.roundTrip();
    await b.roundTrip();
    for (const c of [x, y]) {
      await c.roundTrip();
      assert.deepEqual(c.drain(), [], 'the other session heard nothing');
    }
    const delivered = b.drain();
    assert.ok(delivered.filter((m) => m.type === 'offer').length > 100, 'the same-session offers did arrive');
    for (const m of delivered) {
      if ('from' in m) assert.equal(m.from, a.participantId, `stamped by the server: ${JSON.stringify(m)}`);
      if (m.type === 'chat') assert.equal(m.message.from, a.participantId);
    }
    assert.ok(sent >= 10_000);
  });
});
