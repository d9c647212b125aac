import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientMessage, decodeServerMessage, encodeMessage, nestedDeeperThan, type DecodeResult } from './codec.js';
import { ErrorCodes } from './errors.js';
import { CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES, type ClientMessage, type ServerMessage } from './messages.js';
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from './version.js';

const CODE = 'abc-defg-hjk';
const MEDIA = { muted: false, cameraOff: true };

/** One valid example of every client message. */
const CLIENT_EXAMPLES: ClientMessage[] = [
  { type: 'hello', v: 1 },
  { type: 'hello', v: 1, resume: 'body.mac' },
  { type: 'create' },
  { type: 'create', password: 'pw' },
  { type: 'join', code: CODE, name: 'Ada', media: MEDIA },
  { type: 'join', code: CODE, name: 'Ada', media: MEDIA, password: 'pw', token: 'a.b.c', hostKey: 'abcdefghijklmnop' },
  { type: 'create-class-room', name: 'Physics 101', password: 'pw', lobby: false, maxParticipants: 30 },
  { type: 'leave' },
  { type: 'offer', to: 'p1', sdp: 'v=0\r\n' },
  { type: 'answer', to: 'p1', sdp: 'v=0\r\n' },
  { type: 'ice-candidate', to: 'p1', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  { type: 'ice-candidate', to: 'p1', candidate: null },
  { type: 'offer', to: 'p1', sdp: 'v=0\r\n', dataLink: 'opener' },
  { type: 'answer', to: 'p1', sdp: 'v=0\r\n', dataLink: 'acceptor' },
  { type: 'ice-candidate', to: 'p1', candidate: null, dataLink: 'acceptor' },
  { type: 'media-state', muted: true, cameraOff: false },
  { type: 'screen-share', screen: { streamId: 's1', audio: false } },
  { type: 'chat-send', id: 'abcdefgh12', text: 'hello <b>all</b>' },
  { type: 'chat-send', id: 'abcdefgh13', to: 'p1', text: 'psst' },
  { type: 'sfu-publish', sdp: 'v=0\r\n' },
  { type: 'sfu-subscribe-answer', sdp: 'v=0\r\n' },
  { type: 'sfu-candidate', pc: 'publish', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } },
  { type: 'sfu-view', views: [{ participantId: 'p1', height: 720 }, { participantId: 'p2', height: 0 }] },
  { type: 'ping', t: 12.5 },
  { type: 'join', code: CODE, name: 'Ada', media: MEDIA, hostKey: 'k'.repeat(43) },
  { type: 'mute', participantId: 'p1' },
  { type: 'mute-all' },
  { type: 'camera-off', participantId: 'p1' },
  { type: 'stop-screen', participantId: 'p1' },
  { type: 'remove', participantId: 'p1' },
  { type: 'set-role', participantId: 'p1', role: 'cohost' },
  { type: 'make-host', participantId: 'p1' },
  { type: 'set-lock', locked: true },
  { type: 'set-lobby', enabled: true },
  { type: 'admit', participantId: 'p1' },
  { type: 'admit-all' },
  { type: 'deny', participantId: 'p1' },
  { type: 'raise-hand', raised: true },
  { type: 'lower-hand', participantId: 'p1' },
  { type: 'reaction', emoji: '👏' },
  { type: 'spotlight', spotlight: { participantId: 'p1', screen: false } },
  { type: 'spotlight', spotlight: null },
];

const INFO = { id: 'p1', name: 'Ada', muted: false, cameraOff: false, role: 'participant' as const };
/** One valid example of every server message. */
const SERVER_EXAMPLES: ServerMessage[] = [
  { type: 'welcome', v: 1, participantId: 'p1', resumed: false, heartbeatMs: 5000, maxMessageBytes: 65536, iceServers: [{ urls: 'stun:x' }] },
  { type: 'created', code: CODE, hostKey: 'k'.repeat(43) },
  { type: 'joined', code: CODE, self: INFO, participants: [], topology: 'mesh', maxParticipants: 6, resumeToken: 't' },
  { type: 'join-error', code: 'ROOM_FULL', message: 'full' },
  { type: 'join-error', code: 'RATE_LIMITED', message: 'wait', retryAfterMs: 1000 },
  { type: 'class-room-created', code: CODE, name: 'Physics 101', hostKey: 'abcdefghijklmnop', password: false, lobby: true, maxParticipants: 6 },
  { type: 'participant-joined', participant: INFO },
  { type: 'participant-left', participantId: 'p1', reason: 'timeout' },
  { type: 'offer', from: 'p1', sdp: 'v=0' },
  { type: 'answer', from: 'p1', sdp: 'v=0' },
  { type: 'ice-candidate', from: 'p1', candidate: null },
  { type: 'offer', from: 'p1', sdp: 'v=0', dataLink: 'opener' },
  { type: 'answer', from: 'p1', sdp: 'v=0', dataLink: 'acceptor' },
  { type: 'ice-candidate', from: 'p1', candidate: null, dataLink: 'opener' },
  { type: 'media-state', from: 'p1', muted: true, cameraOff: true },
  { type: 'screen-share', from: 'p1', screen: null },
  { type: 'chat', message: { seq: 1, id: 'abcdefgh12', from: 'p1', fromName: 'Ada', to: null, toName: null, text: 'hi', at: 1 } },
  { type: 'chat-history', messages: [] },
  { type: 'topology', topology: 'sfu' },
  { type: 'sfu-publish-answer', sdp: 'v=0' },
  { type: 'sfu-subscribe-offer', sdp: 'v=0' },
  { type: 'sfu-candidate', pc: 'subscribe', candidate: null },
  { type: 'sfu-layers', active: ['q', 'h'] },
  { type: 'sfu-restart' },
  { type: 'sfu-slots', slots: [{ mid: 'v0', kind: 'video', participantId: 'p1' }, { mid: 'a0', kind: 'audio', participantId: null }] },
  { type: 'sfu-slots', slots: [{ mid: 's0', kind: 'screen', participantId: 'p1' }, { mid: 's1', kind: 'screen', participantId: null }] },
  { type: 'chat-error', id: 'abcdefgh12', code: 'CHAT_TOO_LONG', message: 'too long' },
  { type: 'pong', t: 1 },
  { type: 'error', code: 'BAD_MESSAGE', message: 'bad', ref: 'join' },
  { type: 'ice-servers', iceServers: [{ urls: 'stun:10.0.0.2:3478' }, { urls: ['turn:10.0.0.2:3478?transport=udp'], username: '1767225600:p1', credential: 'c2VjcmV0' }] },
  { type: 'bye', reason: 'shutdown' },
  { type: 'room-state', locked: false, lobby: true, spotlight: null, hands: [{ participantId: 'p1', name: 'Ada' }], waiting: [{ id: 'p2', name: 'Bob' }] },
  { type: 'role', participantId: 'p1', role: 'cohost' },
  { type: 'moderation', action: 'mute', by: { id: 'p1', name: 'Ada' }, target: { id: 'p2', name: 'Bob' } },
  { type: 'lobby-waiting', code: CODE },
  { type: 'reaction', from: 'p1', emoji: '🎉' },
  { type: 'resume-token', resumeToken: 'body.mac' },
];

function expectError(result: DecodeResult<unknown>, code: string): string {
  assert.equal(result.ok, false, `expected ${code}, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  assert.equal(result.code, code);
  assert.equal(typeof result.message, 'string');
  assert.ok(result.message.length > 0);
  return result.message;
}

describe('codec: valid messages', () => {
  test('every client message type has an example here, and each decodes to itself', () => {
    assert.deepEqual(new Set(CLIENT_EXAMPLES.map((m) => m.type)), new Set(CLIENT_MESSAGE_TYPES));
    for (const m of CLIENT_EXAMPLES) {
      const r = decodeClientMessage(encodeMessage(m));
      assert.deepEqual(r, { ok: true, message: m }, m.type);
    }
  });

  test('every server message type has an example here, and each decodes to itself', () => {
    assert.deepEqual(new Set(SERVER_EXAMPLES.map((m) => m.type)), new Set(SERVER_MESSAGE_TYPES));
    for (const m of SERVER_EXAMPLES) {
      const r = decodeServerMessage(encodeMessage(m));
      assert.deepEqual(r, { ok: true, message: m }, m.type);
    }
  });

  test('encodeMessage is plain JSON', () => {
    assert.equal(encodeMessage({ type: 'ping', t: 3 }), '{"type":"ping","t":3}');
  });
});

describe('codec: rejects bad frames without throwing', () => {
  test('malformed JSON → BAD_MESSAGE', () => {
    for (const frame of ['', '{', '{"type":"ping",}', 'ping', "{'type':'ping'}", '\u0000']) {
      expectError(decodeClientMessage(frame), ErrorCodes.BAD_MESSAGE);
      expectError(decodeServerMessage(frame), ErrorCodes.BAD_MESSAGE);
    }
  });

  test('JSON that is not an object → BAD_MESSAGE', () => {
    for (const frame of ['null', '42', '"hello"', 'true', '[]', '[{"type":"ping","t":1}]']) {
      const message = expectError(decodeClientMessage(frame), ErrorCodes.BAD_MESSAGE);
      assert.match(message, /object/);
    }
  });

  test('missing or non-string type → BAD_MESSAGE', () => {
    for (const frame of ['{}', '{"t":1}', '{"type":1}', '{"type":null}', '{"type":["ping"]}', '{"type":{"x":1}}']) {
      const message = expectError(decodeClientMessage(frame), ErrorCodes.BAD_MESSAGE);
      assert.match(message, /type/);
    }
  });

  test('sfu-view: heights out of range, non-integers and too many views → BAD_MESSAGE', () => {
    const view = (views: unknown) => JSON.stringify({ type: 'sfu-view', views });
    for (const views of [[{ participantId: 'p1', height: -1 }], [{ participantId: 'p1', height: 9000 }], [{ participantId: 'p1', height: 1.5 }], [{ height: 1 }], Array.from({ length: 101 }, () => ({ participantId: 'p1', height: 1 })), 'all']) {
      expectError(decodeClientMessage(view(views)), ErrorCodes.BAD_MESSAGE);
    }
  });

  test('unknown type → UNKNOWN_TYPE naming the type', () => {
    const r = decodeClientMessage('{"type":"teleport","to":"p1"}');
    expectError(r, ErrorCodes.UNKNOWN_TYPE);
    assert.equal(!r.ok && r.type, 'teleport');
    // Prototype names are not message types.
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expectError(decodeClientMessage(JSON.stringify({ type: t })), ErrorCodes.UNKNOWN_TYPE);
    }
  });

  test('a server-only type sent by a client is unknown, and vice versa', () => {
    expectError(decodeClientMessage('{"type":"welcome","v":1}'), ErrorCodes.UNKNOWN_TYPE);
    expectError(decodeClientMessage('{"type":"bye","reason":"shutdown"}'), ErrorCodes.UNKNOWN_TYPE);
    expectError(decodeServerMessage('{"type":"hello","v":1}'), ErrorCodes.UNKNOWN_TYPE);
    expectError(decodeServerMessage('{"type":"join","code":"abc-defg-hjk"}'), ErrorCodes.UNKNOWN_TYPE);
  });

  test('the reported unknown type is capped at 64 characters', () => {
    const r = decodeClientMessage(JSON.stringify({ type: 'x'.repeat(5000) }));
    expectError(r, ErrorCodes.UNKNOWN_TYPE);
    assert.equal(!r.ok && r.type?.length, 64);
    assert.ok(!r.ok && r.message.length < 200);
  });

  test('wrong field types → BAD_MESSAGE naming the message type and field', () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'hello', v: '1' }, 'v'],
      [{ type: 'hello', v: 1.5 }, 'v'],
      [{ type: 'hello' }, 'v'],
      [{ type: 'ping', t: '5' }, 't'],
      [{ type: 'join', code: CODE, name: 7, media: MEDIA }, 'name'],
      [{ type: 'join', code: 'ABC-DEFG-HJK', name: 'Ada', media: MEDIA }, 'code'],
      [{ type: 'join', code: CODE, name: 'Ada', media: { muted: 'no', cameraOff: false } }, 'media.muted'],
      [{ type: 'join', code: CODE, name: 'Ada' }, 'media'],
      [{ type: 'offer', to: 'p1', sdp: '' }, 'sdp'],
      [{ type: 'offer', to: 'has space', sdp: 'v=0' }, 'to'],
      [{ type: 'offer', to: 'a'.repeat(33), sdp: 'v=0' }, 'to'],
      [{ type: 'offer', sdp: 'v=0' }, 'to'],
      [{ type: 'offer', to: 'p1', sdp: 'v=0', dataLink: 'mesh' }, 'dataLink'],
      [{ type: 'ice-candidate', to: 'p1', candidate: null, dataLink: true }, 'dataLink'],
      [{ type: 'ice-candidate', to: 'p1', candidate: { candidate: 'x'.repeat(1025) } }, 'candidate.candidate'],
      [{ type: 'ice-candidate', to: 'p1', candidate: { candidate: 'c', sdpMLineIndex: -1 } }, 'candidate.sdpMLineIndex'],
      [{ type: 'media-state', muted: 1, cameraOff: false }, 'muted'],
      [{ type: 'hello', v: 1, resume: 'x'.repeat(513) }, 'resume'],
    ];
    for (const [value, field] of cases) {
      const r = decodeClientMessage(JSON.stringify(value));
      const message = expectError(r, ErrorCodes.BAD_MESSAGE);
      const type = (value as { type: string }).type;
      assert.equal(!r.ok && r.type, type);
      assert.ok(message.includes(`"${type}"`), message);
      assert.ok(message.includes(` at ${field}:`), `${JSON.stringify(value)} → ${message}`);
    }
  });

  test('a server error with a code outside the registry is rejected', () => {
    expectError(decodeServerMessage('{"type":"error","code":"WHATEVER","message":"x"}'), ErrorCodes.BAD_MESSAGE);
  });
});

describe('codec: size limit', () => {
  const frameOfBytes = (bytes: number, fill = 'a'): string => {
    const head = '{"type":"ping","t":1,"pad":"';
    const tail = '"}';
    const padBytes = bytes - head.length - tail.length;
    const unit = Buffer.byteLength(fill);
    assert.equal(padBytes % unit, 0);
    const frame = head + fill.repeat(padBytes / unit) + tail;
    assert.equal(Buffer.byteLength(frame), bytes);
    return frame;
  };

  test('a frame of exactly 64 KiB is accepted', () => {
    assert.equal(MAX_MESSAGE_BYTES, 65536);
    const r = decodeClientMessage(frameOfBytes(MAX_MESSAGE_BYTES));
    assert.deepEqual(r, { ok: true, message: { type: 'ping', t: 1 } });
  });

  test('one byte more → MESSAGE_TOO_LARGE (before parsing)', () => {
    expectError(decodeClientMessage(frameOfBytes(MAX_MESSAGE_BYTES + 1)), ErrorCodes.MESSAGE_TOO_LARGE);
    expectError(decodeServerMessage(frameOfBytes(MAX_MESSAGE_BYTES + 1)), ErrorCodes.MESSAGE_TOO_LARGE);
    // Not even valid JSON: the size check comes first.
    expectError(decodeClientMessage('{'.repeat(MAX_MESSAGE_BYTES + 1)), ErrorCodes.MESSAGE_TOO_LARGE);
  });

  test('the limit counts UTF-8 bytes, not UTF-16 characters', () => {
    // 3-byte characters: under 64 Ki characters, over 64 KiB.
    const pad = Math.ceil((MAX_MESSAGE_BYTES + 30) / 3);
    const frame = `{"type":"ping","t":1,"pad":"${'€'.repeat(pad)}"}`;
    assert.ok(frame.length <= MAX_MESSAGE_BYTES);
    assert.ok(Buffer.byteLength(frame) > MAX_MESSAGE_BYTES);
    expectError(decodeClientMessage(frame), ErrorCodes.MESSAGE_TOO_LARGE);
  });
});

describe('codec: hostile and extra fields', () => {
  test('__proto__ keys do not pollute Object.prototype nor the result', () => {
    const frame =
      '{"type":"join","code":"abc-defg-hjk","name":"Ada","__proto__":{"polluted":"top","type":"leave"},' +
      '"media":{"muted":false,"cameraOff":false,"__proto__":{"polluted":"nested","isAdmin":true}},' +
      '"constructor":{"prototype":{"polluted":"ctor"}}}';
    const r = decodeClientMessage(frame);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.ok(r.ok, JSON.stringify(r));
    if (!r.ok) return;
    assert.deepEqual(r.message, { type: 'join', code: CODE, name: 'Ada', media: { muted: false, cameraOff: false } });
    assert.equal(Object.getPrototypeOf(r.message), Object.prototype);
    assert.equal(Object.prototype.hasOwnProperty.call(r.message, '__proto__'), false);
    assert.equal((r.message as unknown as Record<string, unknown>).polluted, undefined);
    if (r.message.type !== 'join') return assert.fail('wrong type');
    assert.equal(Object.getPrototypeOf(r.message.media), Object.prototype);
    assert.equal((r.message.media as unknown as Record<string, unknown>).isAdmin, undefined);
  });

  test('a __proto__ type is not taken from the prototype chain', () => {
    expectError(decodeClientMessage('{"__proto__":{"type":"ping"},"t":1}'), ErrorCodes.BAD_MESSAGE);
  });

  test('extra fields are stripped, so a client cannot pass its own "from"', () => {
    const r = decodeClientMessage('{"type":"offer","to":"p2","sdp":"v=0","from":"someone-else","admin":true}');
    assert.deepEqual(r, { ok: true, message: { type: 'offer', to: 'p2', sdp: 'v=0' } });
    const m = decodeClientMessage('{"type":"media-state","muted":true,"cameraOff":false,"from":"x"}');
    assert.deepEqual(m, { ok: true, message: { type: 'media-state', muted: true, cameraOff: false } });
  });
});

describe('codec: nesting limit', () => {
  test(`nesting beyond MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) → BAD_MESSAGE before parsing; at the limit it parses`, () => {
    const nest = (depth: number): string => `{"type":"ping","t":1,"pad":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    assert.deepEqual(decodeClientMessage(nest(MAX_JSON_DEPTH)), { ok: true, message: { type: 'ping', t: 1 } });
    const r = decodeClientMessage(nest(MAX_JSON_DEPTH + 1));
    expectError(r, ErrorCodes.BAD_MESSAGE);
    assert.match(r.ok ? '' : r.message, /deeper than/);
    expectError(decodeServerMessage(`${'{"a":'.repeat(20_000).slice(0, 60_000)}`), ErrorCodes.BAD_MESSAGE);
  });

  test('brackets inside strings (escaped quotes too) do not count', () => {
    const text = `${'[{'.repeat(100)} \\" ${'[{'.repeat(100)}`;
    const r = decodeClientMessage(JSON.stringify({ type: 'chat-send', id: 'abcdefgh', text }));
    assert.equal(r.ok, true);
    // The string holds one backslash (escaped); the quote after it ends the string.
    assert.equal(nestedDeeperThan('["\\\\",[[[]]]]', 3), true);
    assert.equal(nestedDeeperThan('["\\"[[[[",1]', 1), false, 'an escaped quote does not end the string');
  });
});
