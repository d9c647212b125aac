import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActiveSpeakers } from './active-speakers.js';

test('active speakers: most recent first, held through short pauses, dropped after the hold', () => {
  const s = new ActiveSpeakers(2000);
  assert.equal(s.update([], 0), false);
  assert.equal(s.update(['ana'], 100), true);
  assert.deepEqual(s.list, ['ana']);
  assert.equal(s.update(['bo'], 300), true);
  assert.deepEqual(s.list, ['bo', 'ana']);
  assert.equal(s.update([], 1500), false, 'a pause keeps both');
  assert.equal(s.update(['ana'], 1700), true, 'ana speaks again: first');
  assert.deepEqual(s.list, ['ana', 'bo']);
  assert.equal(s.update([], 2400), true, 'bo silent for 2.1 s: gone');
  assert.deepEqual(s.list, ['ana']);
  assert.equal(s.remove('ana'), true);
  assert.deepEqual(s.list, []);
  assert.equal(s.remove('ana'), false);
});
