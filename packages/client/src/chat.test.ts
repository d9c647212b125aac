import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, LecternError, MAX_CHAT_CHARS, type ChatEntry, type ClientMessageOf } from '@lectern/protocol';
import { Chat, type ChatMessage } from './chat.js';

/** A chat whose host is online when `online` is true and records what it sends. */
function setup() {
  const sent: ClientMessageOf<'chat-send'>[] = [];
  const state = { online: true, self: { id: 'me', name: 'Me' } as { id: string; name: string } | null };
  const chat = new Chat(
    {
      send: (m) => {
        if (!state.online) return false;
        sent.push(m);
        return true;
      },
      self: () => state.self,
      nameOf: (id) => (id === 'bob' ? 'Bob' : null),
    },
    () => 1000,
  );
  const received: ChatMessage[] = [];
  chat.on('received', (m) => received.push(m));
  let seq = 0;
  /** What the server would send back for a chat-send. */
  const stored = (m: ClientMessageOf<'chat-send'>, from = 'me'): ChatEntry => ({
    seq: ++seq,
    id: m.id,
    from,
    fromName: from === 'me' ? 'Me' : 'Other',
    to: m.to ?? null,
    toName: m.to ? 'Bob' : null,
    text: m.text,
    at: 2000 + seq,
  });
  const other = (text: string): ChatEntry => stored({ type: 'chat-send', id: `other${seq + 1}xyz`, text }, 'ann');
  return { chat, sent, state, received, stored, other };
}

describe('Chat', () => {
  test('send() shows the message at once as sending; the server copy confirms it in its place', () => {
    const { chat, sent, stored } = setup();
    const m = chat.send('hello');
    assert.equal(m.state, 'sending');
    assert.equal(m.seq, null);
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.id, /^[0-9a-f]{32}$/);
    assert.equal(sent[0]!.to, undefined, 'a message to everyone has no "to"');
    chat.handle({ type: 'chat', message: stored(sent[0]!) });
    assert.deepEqual(
      chat.messages.map((x) => [x.text, x.state, x.seq, x.mine]),
      [['hello', 'sent', 1, true]],
    );
  });

  test('everyone sees the server order, whatever order messages arrive or are typed in', () => {
    const { chat, other } = setup();
    const a = other('a');
    const b = other('b');
    const c = other('c');
    chat.handle({ type: 'chat', message: c });
    chat.handle({ type: 'chat', message: a });
    chat.handle({ type: 'chat-history', messages: [a, b] });
    assert.deepEqual(
      chat.messages.map((x) => x.text),
      ['a', 'b', 'c'],
    );
  });

  test('pending messages stay after the confirmed ones until the server numbers them', () => {
    const { chat, sent, stored, other } = setup();
    chat.send('mine');
    chat.handle({ type: 'chat', message: other('theirs') });
    assert.deepEqual(
      chat.messages.map((x) => `${x.text}:${x.state}`),
      ['theirs:sent', 'mine:sending'],
    );
    chat.handle({ type: 'chat', message: stored(sent[0]!) });
    assert.deepEqual(
      chat.messages.map((x) => `${x.text}:${x.seq}`),
      ['theirs:1', 'mine:2'],
    );
  });

  test('offline: the message waits as sending, goes out on flush, and a repeat delivery is applied once', () => {
    const { chat, sent, state, stored } = setup();
    state.online = false;
    chat.send('typed while offline');
    assert.equal(sent.length, 0);
    assert.equal(chat.messages[0]!.state, 'sending');
    state.online = true;
    chat.flush();
    assert.equal(sent.length, 1);
    // A second flush (another reconnect) re-sends with the same id; the server dedupes by it.
    chat.flush();
    assert.equal(sent.length, 2);
    assert.equal(sent[0]!.id, sent[1]!.id);
    const entry = stored(sent[0]!);
    chat.handle({ type: 'chat', message: entry });
    chat.handle({ type: 'chat', message: entry });
    chat.handle({ type: 'chat-history', messages: [entry] });
    assert.equal(chat.messages.length, 1);
    assert.equal(chat.messages[0]!.state, 'sent');
    chat.flush();
    assert.equal(sent.length, 2, 'nothing left to send');
  });

  test('history that contains our pending message confirms it (sent just before a restart)', () => {
    const { chat, sent, stored } = setup();
    chat.send('maybe lost');
    chat.handle({ type: 'chat-history', messages: [stored(sent[0]!)] });
    assert.deepEqual(
      chat.messages.map((x) => x.state),
      ['sent'],
    );
  });

  test('a refusal marks the message failed with the code; retry sends it again with the same id', () => {
    const { chat, sent, stored } = setup();
    chat.send('x');
    chat.handle({ type: 'chat-error', id: sent[0]!.id, code: ErrorCodes.INTERNAL, message: 'disk full' });
    const failed = chat.messages[0]!;
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error?.code, ErrorCodes.INTERNAL);
    chat.flush();
    assert.equal(sent.length, 1, 'failed messages are not re-sent by themselves');
    chat.retry(failed.id);
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.id, failed.id);
    chat.handle({ type: 'chat', message: stored(sent[1]!) });
    assert.equal(chat.messages[0]!.state, 'sent');
    chat.send('y');
    chat.handle({ type: 'chat-error', id: sent[2]!.id, code: ErrorCodes.PARTICIPANT_NOT_FOUND, message: 'gone' });
    chat.discard(sent[2]!.id);
    assert.equal(chat.messages.length, 1);
  });

  test('limits are checked before sending: empty and over 4,000 characters (code points)', () => {
    const { chat, sent } = setup();
    assert.throws(() => chat.send('  \n '), (e: LecternError) => e.code === ErrorCodes.BAD_MESSAGE);
    assert.throws(
      () => chat.send('a'.repeat(MAX_CHAT_CHARS + 1)),
      (e: LecternError) => e.code === ErrorCodes.CHAT_TOO_LONG && /4,000/.test(e.message) && /4,001/.test(e.message),
    );
    chat.send('😀'.repeat(MAX_CHAT_CHARS));
    assert.equal(sent.length, 1, 'emoji count as one character each');
  });

  test('private messages carry the addressee; received fires only for others, not history or our own', () => {
    const { chat, sent, stored, received, other } = setup();
    chat.send('psst', { to: 'bob' });
    assert.equal(sent[0]!.to, 'bob');
    assert.equal(chat.messages[0]!.toName, 'Bob');
    chat.handle({ type: 'chat', message: stored(sent[0]!) });
    chat.handle({ type: 'chat-history', messages: [other('old')] });
    assert.equal(received.length, 0);
    chat.handle({ type: 'chat', message: other('new') });
    assert.deepEqual(
      received.map((m) => m.text),
      ['new'],
    );
  });

  test('cannot chat before joining; reset forgets everything', () => {
    const { chat, state } = setup();
    chat.send('hi');
    state.self = null;
    assert.throws(() => chat.send('hi'), (e: LecternError) => e.code === ErrorCodes.INVALID_STATE);
    chat.reset();
    assert.equal(chat.messages.length, 0);
  });
});
