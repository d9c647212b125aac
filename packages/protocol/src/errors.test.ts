import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, ErrorCodes, LecternError, isErrorCode } from './errors.js';
import { assertNever } from './assert-never.js';

describe('error codes', () => {
  test('each code is its own name (stable strings)', () => {
    for (const [key, value] of Object.entries(ErrorCodes)) assert.equal(value, key);
    assert.equal(ERROR_CODES.length, Object.keys(ErrorCodes).length);
    for (const code of ['ROOM_NOT_FOUND', 'ROOM_FULL', 'NOT_ALLOWED', 'SIGNAL_TIMEOUT', 'BAD_MESSAGE', 'UNKNOWN_TYPE', 'MESSAGE_TOO_LARGE']) {
      assert.ok(isErrorCode(code), code);
    }
  });

  test('isErrorCode rejects anything else', () => {
    for (const v of ['room_full', 'NOPE', '', 'toString', '__proto__', 1, null, undefined, {}]) assert.equal(isErrorCode(v), false, String(v));
  });

  test('LecternError carries code, message and cause', () => {
    const cause = new Error('root');
    const e = new LecternError(ErrorCodes.ROOM_FULL, 'full', { cause });
    assert.ok(e instanceof Error);
    assert.ok(e instanceof LecternError);
    assert.equal(e.name, 'LecternError');
    assert.equal(e.code, 'ROOM_FULL');
    assert.equal(e.message, 'full');
    assert.equal(e.cause, cause);
    assert.equal(new LecternError(ErrorCodes.INTERNAL, 'x').cause, undefined);
  });

  test('assertNever throws with the value', () => {
    assert.throws(() => assertNever('odd' as never, 'thing'), /Unhandled thing: "odd"/);
  });
});
