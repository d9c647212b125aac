import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientMessage } from './codec.js';
import { ErrorCodes } from './errors.js';
import {
  CLIENT_MESSAGE_TYPES,
  DisplayNameSchema,
  ParticipantIdSchema,
  SERVER_MESSAGE_TYPES,
  SessionCodeSchema,
} from './messages.js';

const join = (name: unknown): string =>
  JSON.stringify({ type: 'join', code: 'abc-defg-hjk', name, media: { muted: false, cameraOff: false } });

function decodedName(name: unknown): string | null {
  const r = decodeClientMessage(join(name));
  if (!r.ok) {
    assert.equal(r.code, ErrorCodes.BAD_MESSAGE);
    assert.match(r.message, / at name:/);
    return null;
  }
  assert.equal(r.message.type, 'join');
  return r.message.type === 'join' ? r.message.name : null;
}

describe('display names', () => {
  test('are trimmed', () => {
    assert.equal(decodedName('  Ada Lovelace \t'), 'Ada Lovelace');
    assert.equal(decodedName('\u00a0Ada\u00a0'), 'Ada');
    assert.equal(DisplayNameSchema.parse(' x '), 'x');
  });

  test('keep inner spaces and any script', () => {
    for (const name of ['Ada Lovelace', 'Zoë', '李小龍', 'Ана', '🙂 Sam', 'O\'Brien-Smith']) assert.equal(decodedName(name), name);
  });

  test('must not be empty, even after trimming', () => {
    for (const name of ['', ' ', '   \t  ', '\u3000']) assert.equal(decodedName(name), null, JSON.stringify(name));
  });

  test('are at most 64 characters after trimming', () => {
    assert.equal(decodedName('x'.repeat(64)), 'x'.repeat(64));
    assert.equal(decodedName(`  ${'x'.repeat(64)}  `), 'x'.repeat(64));
    assert.equal(decodedName('x'.repeat(65)), null);
    assert.equal(decodedName('x'.repeat(10_000)), null);
  });

  test('reject C0 control characters and DEL', () => {
    for (const ch of ['\u0000', '\u0001', '\u0007', '\u0008', '\n', '\r', '\t', '\u001b', '\u001f', '\u007f']) {
      assert.equal(decodedName(`Ada${ch}Byron`), null, JSON.stringify(ch));
    }
    assert.equal(decodedName('Ada\u001b[31mRed'), null);
  });

  test('reject C1 control characters too (U+0080–U+009F are control characters)', () => {
    for (const ch of ['\u0080', '\u0085', '\u009b', '\u009f']) {
      assert.equal(decodedName(`Ada${ch}Byron`), null, JSON.stringify(ch));
    }
  });

  test('must be strings', () => {
    for (const name of [null, 42, true, ['Ada'], { first: 'Ada' }]) assert.equal(decodedName(name), null);
  });
});

describe('shared schemas', () => {
  test('participant ids are 1–32 url-safe characters', () => {
    for (const id of ['a', 'A-z_09', 'x'.repeat(32)]) assert.ok(ParticipantIdSchema.safeParse(id).success, id);
    for (const id of ['', 'x'.repeat(33), 'a b', 'a/b', 'a.b', 'é']) assert.equal(ParticipantIdSchema.safeParse(id).success, false, id);
  });

  test('session codes on the wire must be canonical', () => {
    assert.ok(SessionCodeSchema.safeParse('abc-defg-hjk').success);
    for (const c of ['ABC-DEFG-HJK', 'abcdefghjk', ' abc-defg-hjk', 'abc-defg-hjl']) assert.equal(SessionCodeSchema.safeParse(c).success, false, c);
  });

  test('message type lists are complete and distinct', () => {
    assert.deepEqual(
      [...CLIENT_MESSAGE_TYPES].sort(),
      [
        'admit', 'admit-all', 'answer', 'camera-off', 'chat-send', 'create', 'create-class-room', 'deny', 'hello', 'ice-candidate', 'join', 'leave', 'lower-hand',
        'make-host', 'media-state', 'mute', 'mute-all', 'offer', 'ping', 'raise-hand', 'reaction', 'remove', 'screen-share', 'set-lobby', 'set-lock',
        'set-role', 'sfu-candidate', 'sfu-publish', 'sfu-subscribe-answer', 'sfu-view', 'spotlight', 'stop-screen',
      ],
    );
    assert.equal(new Set(SERVER_MESSAGE_TYPES).size, SERVER_MESSAGE_TYPES.length);
    for (const t of ['welcome', 'created', 'joined', 'join-error', 'participant-joined', 'participant-left', 'chat', 'chat-history', 'chat-error', 'pong', 'error', 'bye']) {
      assert.ok(SERVER_MESSAGE_TYPES.includes(t as (typeof SERVER_MESSAGE_TYPES)[number]), t);
    }
  });
});
