import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, MAX_CHAT_CHARS, type ChatEntry } from '@lectern/protocol';
import { Live, type TestClient } from '../live-support.test.js';

const lives: Live[] = [];
afterEach(async () => {
  for (const l of lives.splice(0)) await l.stop();
});

async function start(overrides: Parameters<typeof Live.start>[0] = {}): Promise<Live> {
  const live = await Live.start(overrides);
  lives.push(live);
  return live;
}


let n = 0;
const id = () => `msg${String(++n).padStart(8, '0')}`;

describe('chat through the server', () => {
  test('every member gets every message with the same sequence numbers, the sender included', async () => {
    const live = await start();
    const { clients } = await live.session(['Ada', 'Bo', 'Cy']);
    const [a, b, c] = clients as [TestClient, TestClient, TestClient];
    a.send({ type: 'chat-send', id: id(), text: 'one' });
    b.send({ type: 'chat-send', id: id(), text: 'two' });
    c.send({ type: 'chat-send', id: id(), text: 'three' });
    const seen = async (cl: TestClient) => {
      const got: ChatEntry[] = [];
      for (let i = 0; i < 3; i++) got.push((await cl.next('chat')).message);
      return got.map((m) => `${m.seq}:${m.text}:${m.fromName}`);
    };
    const [sa, sb, sc] = await Promise.all([seen(a), seen(b), seen(c)]);
    assert.deepEqual(sa, sb);
    assert.deepEqual(sb, sc);
    assert.deepEqual(
      sa.map((s) => s.split(':')[0]),
      ['1', '2', '3'],
    );
  });

  test('the server stamps from and fromName; a client cannot choose them', async () => {
    const live = await start();
    const { clients } = await live.session(['Ada', 'Bo']);
    const [a, b] = clients as [TestClient, TestClient];
    a.send({ type: 'chat-send', id: id(), text: 'hi', from: b.participantId, fromName: 'Bo' });
    const m = (await b.next('chat')).message;
    assert.equal(m.from, a.participantId);
    assert.equal(m.fromName, 'Ada');
  });

  test('a private message reaches only its addressee and the sender', async () => {
    const live = await start();
    const { code, clients } = await live.session(['Ada', 'Bo', 'Cy']);
    const [a, b, c] = clients as [TestClient, TestClient, TestClient];
    a.send({ type: 'chat-send', id: id(), to: b.participantId, text: 'just for Bo' });
    const atB = (await b.next('chat')).message;
    assert.equal(atB.text, 'just for Bo');
    assert.equal(atB.to, b.participantId);
    assert.equal(atB.toName, 'Bo');
    assert.equal((await a.next('chat')).message.seq, atB.seq);
    await c.roundTrip();
    assert.equal(c.pending('chat').length, 0, 'a third member must not see it');
    // Nor in the history of someone joining later.
    const late = await live.ready();
    await late.joined(code, 'Dee');
    assert.deepEqual((await late.next('chat-history')).messages, []);
  });

  test('refusals name the message: too long, unknown addressee, oneself, not joined', async () => {
    const live = await start();
    const { clients } = await live.session(['Ada', 'Bo']);
    const [a, b] = clients as [TestClient, TestClient];
    const long = id();
    a.send({ type: 'chat-send', id: long, text: 'x'.repeat(MAX_CHAT_CHARS + 1) });
    const e = await a.next('chat-error');
    assert.equal(e.id, long);
    assert.equal(e.code, ErrorCodes.CHAT_TOO_LONG);
    // Exactly the limit is fine, counted in characters, not UTF-16 units.
    const emoji = '😀'.repeat(MAX_CHAT_CHARS);
    a.send({ type: 'chat-send', id: id(), text: emoji });
    assert.equal((await b.next('chat')).message.text, emoji);
    a.send({ type: 'chat-send', id: id(), to: 'nobody-here', text: 'hi' });
    assert.equal((await a.next('chat-error')).code, ErrorCodes.PARTICIPANT_NOT_FOUND);
    a.send({ type: 'chat-send', id: id(), to: a.participantId, text: 'hi me' });
    assert.equal((await a.next('chat-error')).code, ErrorCodes.NOT_ALLOWED);
    const outsider = await live.ready();
    outsider.send({ type: 'chat-send', id: id(), text: 'let me in' });
    assert.equal((await outsider.next('chat-error')).code, ErrorCodes.NOT_JOINED);
    // Empty and malformed messages fail validation.
    a.send({ type: 'chat-send', id: id(), text: '   ' });
    assert.equal((await a.next('error')).code, ErrorCodes.BAD_MESSAGE);
    a.send({ type: 'chat-send', id: 'short', text: 'hi' });
    assert.equal((await a.next('error')).code, ErrorCodes.BAD_MESSAGE);
    await b.roundTrip();
    assert.equal(b.pending('chat').length, 0, 'nothing refused was delivered');
  });

  test('a re-sent id is delivered once: the sender alone gets the stored copy back', async () => {
    const live = await start();
    const { clients } = await live.session(['Ada', 'Bo']);
    const [a, b] = clients as [TestClient, TestClient];
    const same = id();
    a.send({ type: 'chat-send', id: same, text: 'once' });
    const first = (await a.next('chat')).message;
    a.send({ type: 'chat-send', id: same, text: 'once' });
    assert.deepEqual((await a.next('chat')).message, first);
    await b.next('chat');
    await b.roundTrip();
    assert.equal(b.pending('chat').length, 0);
  });

  test('late joiners get the history; it survives a server restart, and numbering continues', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lectern-chat-live-'));
    try {
      let live = await Live.start({ dataDir });
      const { code, clients } = await live.session(['Ada']);
      const a = clients[0]!;
      const token = (a.log.find((m) => m.type === 'joined') as { resumeToken: string }).resumeToken;
      for (const text of ['first', 'second']) {
        a.send({ type: 'chat-send', id: id(), text });
        await a.next('chat');
      }
      await live.stop(false);
      live = await Live.start({ dataDir });
      lives.push(live);
      // Ada comes back with her token (re-opening the session), then Bo joins late.
      const again = await live.client();
      await again.hello(token);
      await again.joined(code, 'Ada');
      assert.deepEqual(
        (await again.next('chat-history')).messages.map((m) => `${m.seq}:${m.text}`),
        ['1:first', '2:second'],
      );
      const bo = await live.ready();
      await bo.joined(code, 'Bo');
      assert.deepEqual(
        (await bo.next('chat-history')).messages.map((m) => m.text),
        ['first', 'second'],
      );
      bo.send({ type: 'chat-send', id: id(), text: 'third' });
      assert.equal((await again.next('chat')).message.seq, 3);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('history is capped at --chat-history-max messages', async () => {
    const live = await start({ chatHistoryMax: 3 });
    const { code, clients } = await live.session(['Ada']);
    for (let i = 1; i <= 5; i++) {
      clients[0]!.send({ type: 'chat-send', id: id(), text: `m${i}` });
      await clients[0]!.next('chat');
    }
    const late = await live.ready();
    await late.joined(code, 'Bo');
    assert.deepEqual(
      (await late.next('chat-history')).messages.map((m) => m.text),
      ['m3', 'm4', 'm5'],
    );
  });
});
