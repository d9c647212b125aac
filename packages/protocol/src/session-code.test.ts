import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  SESSION_CODE_ALPHABET,
  SESSION_CODE_LETTERS,
  SESSION_CODE_PATTERN,
  generateSessionCode,
  isSessionCode,
  normalizeSessionCode,
} from './session-code.js';

describe('session codes: generateSessionCode', () => {
  test('canonical 3-4-3 shape from the alphabet, with no i, l or o', () => {
    for (const ch of 'ilo') assert.ok(!SESSION_CODE_ALPHABET.includes(ch), ch);
    assert.equal(new Set(SESSION_CODE_ALPHABET).size, SESSION_CODE_ALPHABET.length, 'no repeated letters');
    assert.match(SESSION_CODE_ALPHABET, /^[a-z]+$/);
    for (let i = 0; i < 500; i++) {
      const code = generateSessionCode((n) => randomInt(n));
      assert.match(code, /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
      assert.ok(isSessionCode(code), code);
      assert.ok(!/[ilo]/.test(code), code);
      assert.equal(normalizeSessionCode(code), code);
    }
  });

  test('uses the whole alphabet: every letter can appear in every position', () => {
    const n = SESSION_CODE_ALPHABET.length;
    for (let k = 0; k < n; k++) {
      const code = generateSessionCode(() => k);
      assert.equal(code.replace(/-/g, ''), SESSION_CODE_ALPHABET[k]!.repeat(SESSION_CODE_LETTERS));
    }
  });

  test('asks the random source for an index below the alphabet size, once per letter', () => {
    const asked: number[] = [];
    const seq = [0, 1, 2, 3, 4, 5, 6, 7, 8, 22];
    const code = generateSessionCode((n) => {
      asked.push(n);
      return seq[asked.length - 1]!;
    });
    assert.deepEqual(asked, Array(SESSION_CODE_LETTERS).fill(SESSION_CODE_ALPHABET.length));
    assert.equal(code, 'abc-defg-hjz');
  });

  test('carries at least 40 bits of entropy', () => {
    assert.equal(SESSION_CODE_LETTERS, 10);
    const bits = SESSION_CODE_LETTERS * Math.log2(SESSION_CODE_ALPHABET.length);
    assert.ok(bits >= 40, `only ${bits.toFixed(1)} bits`);
  });

  test('codes from a CSPRNG do not repeat in a few thousand draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(generateSessionCode((n) => randomInt(n)));
    assert.equal(seen.size, 5000);
  });
});

describe('session codes: normalizeSessionCode', () => {
  const accepted: Array<[string, string]> = [
    ['abc-defg-hjk', 'abc-defg-hjk'],
    ['ABC-DEFG-HJK', 'abc-defg-hjk'],
    ['AbC-dEfG-hJk', 'abc-defg-hjk'],
    ['abcdefghjk', 'abc-defg-hjk'],
    ['ABCDEFGHJK', 'abc-defg-hjk'],
    ['abc defg hjk', 'abc-defg-hjk'],
    ['  abc - defg - hjk  ', 'abc-defg-hjk'],
    ['ab-cdef-ghjk', 'abc-defg-hjk'],
    ['\tabc\ndefg hjk\n', 'abc-defg-hjk'],
    ['https://lectern.example:9000/abc-defg-hjk', 'abc-defg-hjk'],
    ['https://192.168.1.20:9000/ABCDEFGHJK', 'abc-defg-hjk'],
    ['lectern.example/abc-defg-hjk', 'abc-defg-hjk'],
  ];
  for (const [input, expected] of accepted) {
    test(`accepts ${JSON.stringify(input)}`, () => {
      assert.equal(normalizeSessionCode(input), expected);
    });
  }

  const rejected = [
    '',
    'abc-defg-hj',
    'abc-defg-hjkm',
    'abcdefghj',
    'abcdefghjkmn',
    'abc-defg-hjl', // l is not in the alphabet
    'abc-defg-hji',
    'abc-defg-hjo',
    'abc-def1-hjk',
    'abc_defg_hjk',
    'abc.defg.hjk',
    'äbc-defg-hjk',
    'https://lectern.example:9000/',
    'https://lectern.example:9000/abc-defg',
  ];
  for (const input of rejected) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(normalizeSessionCode(input), null);
    });
  }

  test('isSessionCode accepts only the canonical form', () => {
    assert.ok(isSessionCode('abc-defg-hjk'));
    for (const s of ['ABC-DEFG-HJK', 'abcdefghjk', 'abc-defg-hjk ', 'abc-defg-hjl', 'abcd-efg-hjk']) {
      assert.equal(isSessionCode(s), false, s);
      assert.equal(SESSION_CODE_PATTERN.test(s), false, s);
    }
  });
});

describe('session codes: links as people paste them (bug: only the last path segment is read)', () => {
  // The web app routes /abc-defg-hjk/ (trailing slash stripped) and ignores ?query/#hash,
  // so a pasted link of those shapes must give the same code.
  for (const link of [
    'https://lectern.example:9000/abc-defg-hjk/',
    'https://lectern.example:9000/abc-defg-hjk?utm_source=chat',
    'https://lectern.example:9000/abc-defg-hjk#join',
  ]) {
    test(`accepts ${link}`, () => {
      assert.equal(normalizeSessionCode(link), 'abc-defg-hjk');
    });
  }
});
