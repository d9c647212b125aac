import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, isSessionCode } from '@lectern/protocol';
import { Live, type TestClient } from '../live-support.test.js';

const MEDIA = { muted: false, cameraOff: false };

let live: Live;
beforeEach(async () => {
  live = await Live.start();
});
afterEach(async () => {
  await live.stop();
});

/** A session with `names.length` members (see Live.session). */
const session = (names: string[]) => live.session(names);

describe('signaling: handshake', () => {
  test('hello → welcome with a fresh participant id and the server limits', async () => {
    const a = await live.client();
    a.send({ type: 'hello', v: PROTOCOL_VERSION });
    const w = await a.next('welcome');
    assert.equal(w.v, PROTOCOL_VERSION);
    assert.match(w.participantId, /^[A-Za-z0-9_-]{1,32}$/);
    assert.equal(w.resumed, false);
    assert.equal(w.maxMessageBytes, MAX_MESSAGE_BYTES);
    assert.ok(w.heartbeatMs > 0 && w.heartbeatMs < live.config.heartbeatTimeoutMs, 'clients ping well inside the timeout');
    assert.ok(Array.isArray(w.iceServers));
    const b = await live.ready();
    assert.notEqual(b.participantId, w.participantId);
  });

  test('messages before hello → HANDSHAKE_REQUIRED, and the connection stays usable', async () => {
    const a = await live.client();
    for (const m of [{ type: 'create' }, { type: 'ping', t: 1 }, { type: 'join', code: 'abc-defg-hjk', name: 'A', media: MEDIA }, { type: 'leave' }]) {
      a.send(m);
      const e = await a.next('error');
      assert.equal(e.code, ErrorCodes.HANDSHAKE_REQUIRED);
      assert.equal(e.ref, m.type);
    }
    assert.equal(a.pending('pong').length + a.pending('created').length, 0);
    await a.hello();
    assert.ok(isSessionCode(await a.create()));
  });

  test('wrong version → VERSION_MISMATCH, then the socket is closed (1008)', async () => {
    const a = await live.client();
    a.send({ type: 'hello', v: PROTOCOL_VERSION + 1 });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.VERSION_MISMATCH);
    assert.equal(e.ref, 'hello');
    assert.equal((await a.closed).code, 1008);
    assert.equal(a.pending('welcome').length, 0);
  });

  test('a second hello is refused (NOT_ALLOWED) and keeps the id', async () => {
    const a = await live.ready();
    const id = a.participantId;
    a.send({ type: 'hello', v: PROTOCOL_VERSION });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.NOT_ALLOWED);
    assert.equal(e.ref, 'hello');
    const code = await a.create();
    assert.equal((await a.joined(code, 'A')).self.id, id);
  });
});

describe('signaling: sessions', () => {
  test('create then join; later joiners get the others listed, members get participant-joined', async () => {
    const a = await live.ready();
    const code = await a.create();
    assert.ok(isSessionCode(code));
    const ja = await a.joined(code, '  Ada  ', { muted: true, cameraOff: false });
    assert.equal(ja.code, code);
    assert.deepEqual(ja.self, { id: a.participantId, name: 'Ada', muted: true, cameraOff: false, role: 'host' });
    assert.deepEqual(ja.participants, []);
    assert.equal(ja.topology, 'mesh');
    assert.equal(ja.maxParticipants, 6);
    assert.ok(ja.resumeToken.length > 0);

    const b = await live.ready();
    const jb = await b.joined(code, 'Bob');
    assert.deepEqual(jb.participants, [{ id: a.participantId, name: 'Ada', muted: true, cameraOff: false, role: 'host' }]);
    const pj = await a.next('participant-joined');
    assert.deepEqual(pj.participant, { id: b.participantId, name: 'Bob', muted: false, cameraOff: false, role: 'participant' });

    const c = await live.ready();
    const jc = await c.joined(code, 'Cy');
    assert.deepEqual(jc.participants.map((p) => p.id).sort(), [a.participantId, b.participantId].sort());
    await a.next('participant-joined', (m) => m.participant.id === c.participantId);
    await b.next('participant-joined', (m) => m.participant.id === c.participantId);
    await c.roundTrip();
    assert.equal(c.pending('participant-joined').length, 0, 'a joiner is not told about itself');
  });

  test('the 7th joiner gets join-error ROOM_FULL and nobody hears of it', async () => {
    const { code, clients } = await session(['1', '2', '3', '4', '5', '6']);
    const seventh = await live.ready();
    seventh.join(code, '7');
    const e = await seventh.next('join-error');
    assert.equal(e.code, ErrorCodes.ROOM_FULL);
    for (const c of clients) {
      await c.roundTrip();
      assert.equal(c.pending('participant-joined').length, 0);
    }
    // Once someone leaves, there is room again.
    clients[0]!.send({ type: 'leave' });
    await clients[1]!.next('participant-left');
    const j = await seventh.joined(code, '7');
    assert.equal(j.participants.length, 5);
  });

  test('an unknown code → join-error ROOM_NOT_FOUND; a non-canonical code → BAD_MESSAGE', async () => {
    const a = await live.ready();
    a.join('abc-defg-hjk', 'A');
    assert.equal((await a.next('join-error')).code, ErrorCodes.ROOM_NOT_FOUND);
    const code = await a.create();
    a.join(code.toUpperCase(), 'A');
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.BAD_MESSAGE);
    assert.equal(e.ref, 'join');
    await a.joined(code, 'A');
  });

  test('joining twice → ALREADY_JOINED; leave then join works', async () => {
    const { code, clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    a.join(code, 'A');
    assert.equal((await a.next('join-error')).code, ErrorCodes.ALREADY_JOINED);
    a.send({ type: 'leave' });
    const left = await b.next('participant-left');
    assert.deepEqual(left, { type: 'participant-left', participantId: a.participantId, reason: 'left' });
    const again = await a.joined(code, 'A again');
    assert.deepEqual(again.participants.map((p) => p.id), [b.participantId]);
    assert.equal((await b.next('participant-joined')).participant.name, 'A again');
  });

  test('socket close → the others get participant-left "disconnected"', async () => {
    const { clients } = await session(['A', 'B', 'C']);
    const [a, b, c] = clients as [TestClient, TestClient, TestClient];
    await b.close();
    for (const x of [a, c]) {
      assert.deepEqual(await x.next('participant-left'), { type: 'participant-left', participantId: b.participantId, reason: 'disconnected' });
    }
  });

  test('a client with no session can neither signal nor announce media (NOT_JOINED)', async () => {
    const a = await live.ready();
    a.send({ type: 'offer', to: 'someone', sdp: 'v=0' });
    assert.equal((await a.next('error')).code, ErrorCodes.NOT_JOINED);
    a.send({ type: 'media-state', muted: true, cameraOff: true });
    assert.equal((await a.next('error')).code, ErrorCodes.NOT_JOINED);
  });

  test('SERVER_BUSY when the server holds maxRooms sessions', async () => {
    await live.stop();
    live = await Live.start({ maxRooms: 1 });
    const a = await live.ready();
    await a.create();
    a.send({ type: 'create' });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.SERVER_BUSY);
    assert.equal(e.ref, 'create');
  });
});

describe('signaling: relay', () => {
  test('offer, answer and ice-candidate reach the addressee with a server-stamped from', async () => {
    const { clients } = await session(['A', 'B', 'C']);
    const [a, b, c] = clients as [TestClient, TestClient, TestClient];
    a.send({ type: 'offer', to: b.participantId, sdp: 'v=0 offer', from: c.participantId });
    assert.deepEqual(await b.next('offer'), { type: 'offer', from: a.participantId, sdp: 'v=0 offer' });
    b.send({ type: 'answer', to: a.participantId, sdp: 'v=0 answer', from: 'forged' });
    assert.deepEqual(await a.next('answer'), { type: 'answer', from: b.participantId, sdp: 'v=0 answer' });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    a.send({ type: 'ice-candidate', to: b.participantId, candidate });
    assert.deepEqual(await b.next('ice-candidate'), { type: 'ice-candidate', from: a.participantId, candidate });
    a.send({ type: 'ice-candidate', to: b.participantId, candidate: null });
    assert.deepEqual(await b.next('ice-candidate'), { type: 'ice-candidate', from: a.participantId, candidate: null });
    await c.roundTrip();
    assert.deepEqual(c.pending(), [], 'a third member overhears nothing');
  });

  test('a dataLink marker (file transfer through an SFU session) is relayed as sent; a bad one is BAD_MESSAGE', async () => {
    const { clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    a.send({ type: 'offer', to: b.participantId, sdp: 'v=0 data', dataLink: 'opener' });
    assert.deepEqual(await b.next('offer'), { type: 'offer', from: a.participantId, sdp: 'v=0 data', dataLink: 'opener' });
    b.send({ type: 'answer', to: a.participantId, sdp: 'v=0 data', dataLink: 'acceptor' });
    assert.deepEqual(await a.next('answer'), { type: 'answer', from: b.participantId, sdp: 'v=0 data', dataLink: 'acceptor' });
    b.send({ type: 'ice-candidate', to: a.participantId, candidate: null, dataLink: 'acceptor' });
    assert.deepEqual(await a.next('ice-candidate'), { type: 'ice-candidate', from: b.participantId, candidate: null, dataLink: 'acceptor' });
    a.send({ type: 'offer', to: b.participantId, sdp: 'v=0', dataLink: 'sideways' });
    assert.equal((await a.next('error')).code, ErrorCodes.BAD_MESSAGE);
    await b.roundTrip();
    assert.deepEqual(b.pending('offer'), [], 'the bad one is not delivered');
  });

  test('to a participant in another session → PARTICIPANT_NOT_FOUND and not delivered', async () => {
    const one = await session(['A', 'B']);
    const two = await session(['X']);
    const [a] = one.clients as [TestClient];
    const [x] = two.clients as [TestClient];
    a.send({ type: 'offer', to: x.participantId, sdp: 'v=0' });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.PARTICIPANT_NOT_FOUND);
    assert.equal(e.ref, 'offer');
    await x.roundTrip();
    assert.deepEqual(x.pending('offer'), []);
    // Nor to a connected client that joined no session.
    const loner = await live.ready();
    a.send({ type: 'ice-candidate', to: loner.participantId, candidate: null });
    assert.equal((await a.next('error')).code, ErrorCodes.PARTICIPANT_NOT_FOUND);
    await loner.roundTrip();
    assert.deepEqual(loner.pending('ice-candidate'), []);
  });

  test('to oneself → NOT_ALLOWED', async () => {
    const { clients } = await session(['A', 'B']);
    const [a] = clients as [TestClient];
    a.send({ type: 'offer', to: a.participantId, sdp: 'v=0' });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.NOT_ALLOWED);
    await a.roundTrip();
    assert.deepEqual(a.pending('offer'), []);
  });

  test('after leaving, a former member cannot reach the session', async () => {
    const { clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    a.send({ type: 'leave' });
    await b.next('participant-left');
    a.send({ type: 'offer', to: b.participantId, sdp: 'v=0' });
    assert.equal((await a.next('error')).code, ErrorCodes.NOT_JOINED);
    await b.roundTrip();
    assert.deepEqual(b.pending('offer'), []);
  });

  test('media-state is broadcast to the others with from, and later joiners see it', async () => {
    const { code, clients } = await session(['A', 'B', 'C']);
    const [a, b, c] = clients as [TestClient, TestClient, TestClient];
    a.send({ type: 'media-state', muted: true, cameraOff: true, from: b.participantId });
    const expected = { type: 'media-state', from: a.participantId, muted: true, cameraOff: true };
    assert.deepEqual(await b.next('media-state'), expected);
    assert.deepEqual(await c.next('media-state'), expected);
    await a.roundTrip();
    assert.deepEqual(a.pending('media-state'), [], 'not echoed to the sender');
    const d = await live.ready();
    const j = await d.joined(code, 'D');
    assert.deepEqual(j.participants.find((p) => p.id === a.participantId), { id: a.participantId, name: 'A', muted: true, cameraOff: true, role: 'host' });
  });

  test('screen-share is broadcast with from, stays in the session, and later joiners see it until it stops', async () => {
    const { code, clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    const outsider = await live.ready();
    await outsider.joined(await outsider.create(), 'X');
    const screen = { streamId: 'screen-stream-1', audio: true };
    a.send({ type: 'screen-share', screen, from: b.participantId });
    assert.deepEqual(await b.next('screen-share'), { type: 'screen-share', from: a.participantId, screen });
    await a.roundTrip();
    await outsider.roundTrip();
    assert.deepEqual(a.pending('screen-share'), [], 'not echoed to the sender');
    assert.deepEqual(outsider.pending('screen-share'), [], 'not seen outside the session');
    const c = await live.ready();
    const j = await c.joined(code, 'C');
    assert.deepEqual(j.participants.find((p) => p.id === a.participantId)?.screen, screen);
    assert.equal(j.participants.find((p) => p.id === b.participantId)?.screen, undefined);

    a.send({ type: 'screen-share', screen: null });
    assert.deepEqual(await b.next('screen-share'), { type: 'screen-share', from: a.participantId, screen: null });
    assert.deepEqual(await c.next('screen-share'), { type: 'screen-share', from: a.participantId, screen: null });
    const d = await live.ready();
    const j2 = await d.joined(code, 'D');
    assert.equal(j2.participants.find((p) => p.id === a.participantId)?.screen, undefined);
  });

  test('screen-share needs a session (NOT_JOINED)', async () => {
    const a = await live.ready();
    a.send({ type: 'screen-share', screen: { streamId: 's', audio: false } });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.NOT_JOINED);
    assert.equal(e.ref, 'screen-share');
  });
});

describe('signaling: bad input', () => {
  test('malformed JSON → error BAD_MESSAGE; the connection stays open', async () => {
    const { clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    a.send('{"type":"offer",');
    assert.equal((await a.next('error')).code, ErrorCodes.BAD_MESSAGE);
    a.send('[]');
    assert.equal((await a.next('error')).code, ErrorCodes.BAD_MESSAGE);
    a.send({ type: 'offer', to: b.participantId, sdp: 42 });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.BAD_MESSAGE);
    assert.equal(e.ref, 'offer');
    a.send({ type: 'ping', t: 7 });
    assert.equal((await a.next('pong')).t, 7);
    assert.ok(a.open);
    await b.roundTrip();
    assert.deepEqual(b.pending(), [], 'the session noticed nothing');
  });

  test('binary frames → BAD_MESSAGE', async () => {
    const a = await live.ready();
    a.ws.send(Buffer.from('{"type":"ping","t":1}'));
    assert.equal((await a.next('error')).code, ErrorCodes.BAD_MESSAGE);
    await a.roundTrip();
  });

  test('unknown type → error UNKNOWN_TYPE naming it; the connection stays up', async () => {
    const a = await live.ready();
    a.send({ type: 'launch-rocket', up: true });
    const e = await a.next('error');
    assert.equal(e.code, ErrorCodes.UNKNOWN_TYPE);
    assert.equal(e.ref, 'launch-rocket');
    await a.roundTrip();
    assert.ok(a.open);
    // Before the handshake too.
    const b = await live.client();
    b.send({ type: 'future-thing' });
    assert.equal((await b.next('error')).code, ErrorCodes.UNKNOWN_TYPE);
    await b.hello();
  });

  test('a frame over 64 KiB closes the socket with 1009; the session hears "disconnected"', async () => {
    const { clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    a.send({ type: 'offer', to: b.participantId, sdp: 'x'.repeat(MAX_MESSAGE_BYTES) });
    assert.equal((await a.closed).code, 1009);
    assert.deepEqual(await b.next('participant-left'), { type: 'participant-left', participantId: a.participantId, reason: 'disconnected' });
    assert.deepEqual(b.pending('offer'), []);
  });

  test('a frame of exactly 64 KiB is within the limit', async () => {
    const a = await live.ready();
    const head = '{"type":"ping","t":5,"pad":"';
    const frame = `${head}${'x'.repeat(MAX_MESSAGE_BYTES - head.length - 2)}"}`;
    assert.equal(Buffer.byteLength(frame), MAX_MESSAGE_BYTES);
    a.send(frame);
    assert.equal((await a.next('pong')).t, 5);
  });
});

describe('signaling: resume on the same server', () => {
  test('hello with the resume token keeps the id; the new connection replaces the old one', async () => {
    const a = await live.ready();
    const code = await a.create();
    const token = (await a.joined(code, 'Ada')).resumeToken;
    const b = await live.ready();
    await b.joined(code, 'Bob');
    await a.next('participant-joined');

    const a2 = await live.client();
    const w = await a2.hello(token);
    assert.equal(w.participantId, a.participantId);
    assert.equal(w.resumed, true);
    const j = await a2.joined(code, 'Ada (phone)');
    assert.equal(j.self.id, a.participantId);
    assert.deepEqual(j.participants.map((p) => p.id), [b.participantId]);
    // The old connection is closed as replaced; the others see the member come back, not leave.
    assert.equal((await a.closed).code, 4001);
    const back = await b.next('participant-joined');
    assert.deepEqual(back.participant, { id: a.participantId, name: 'Ada (phone)', muted: false, cameraOff: false, role: 'host' });
    await b.roundTrip();
    assert.deepEqual(b.pending('participant-left'), []);
    // Signals now reach the new connection.
    b.send({ type: 'offer', to: a.participantId, sdp: 'v=0' });
    assert.equal((await a2.next('offer')).from, b.participantId);
  });

  test('resume after a disconnect re-joins under the same id', async () => {
    const { code, clients } = await session(['A', 'B']);
    const [a, b] = clients as [TestClient, TestClient];
    const token = (a.log.find((m) => m.type === 'joined') as { resumeToken: string }).resumeToken;
    await a.close();
    await b.next('participant-left', (m) => m.participantId === a.participantId);
    const a2 = await live.client();
    assert.equal((await a2.hello(token)).participantId, a.participantId);
    await a2.joined(code, 'A');
    assert.equal((await b.next('participant-joined')).participant.id, a.participantId);
  });

  test('an invalid resume token gives a fresh identity', async () => {
    const a = await live.ready();
    const code = await a.create();
    const token = (await a.joined(code, 'A')).resumeToken;
    const forged = `${token.slice(0, 10)}${token[10] === 'x' ? 'y' : 'x'}${token.slice(11)}`;
    const b = await live.client();
    const w = await b.hello(forged);
    assert.equal(w.resumed, false);
    assert.notEqual(w.participantId, a.participantId);
  });
});
