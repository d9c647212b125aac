import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { ResumeTokens } from './resume-token.js';

const SECRET = Buffer.alloc(32, 7);
const CODE = 'abc-defg-hjk';

/** Replaces one base64url character at `index` with a different one. */
function flip(token: string, index: number): string {
  const ch = token[index]!;
  const other = ch === 'A' ? 'B' : 'A';
  return token.slice(0, index) + other + token.slice(index + 1);
}

describe('ResumeTokens', () => {
  test('round trip: issue then verify gives the claim', () => {
    let now = 1_000_000;
    const tokens = new ResumeTokens(SECRET, 60_000, () => now);
    const token = tokens.issue('p-1_x', CODE);
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(tokens.verify(token), { participantId: 'p-1_x', code: CODE, role: 'participant', expiresAt: 1_060_000 });
    assert.equal(tokens.verify(tokens.issue('p-1_x', CODE, 'host'))?.role, 'host');
    now += 59_999;
    assert.notEqual(tokens.verify(token), null, 'still valid just before expiry');
    assert.ok(token.length <= 512, 'fits the hello.resume limit');
  });

  test('a token from another instance with the same secret verifies (survives restarts)', () => {
    const token = new ResumeTokens(Buffer.from(SECRET)).issue('p1', CODE);
    assert.equal(new ResumeTokens(Buffer.from(SECRET)).verify(token)?.participantId, 'p1');
  });

  test('tampered body is rejected', () => {
    const tokens = new ResumeTokens(SECRET);
    const token = tokens.issue('p1', CODE);
    const [body, mac] = token.split('.') as [string, string];
    for (let i = 0; i < body.length; i += 7) assert.equal(tokens.verify(flip(token, i)), null, `body char ${i}`);
    // A well-formed body claiming someone else, with the old mac.
    const forged = Buffer.from(JSON.stringify({ p: 'victim', c: CODE, e: Date.now() + 1e9 })).toString('base64url');
    assert.equal(tokens.verify(`${forged}.${mac}`), null);
  });

  test('tampered mac is rejected', () => {
    const tokens = new ResumeTokens(SECRET);
    const token = tokens.issue('p1', CODE);
    const dot = token.indexOf('.');
    for (let i = dot + 1; i < token.length - 1; i += 3) assert.equal(tokens.verify(flip(token, i)), null, `mac char ${i}`);
    assert.equal(tokens.verify(token.slice(0, -2)), null, 'truncated mac');
    assert.equal(tokens.verify(`${token.slice(0, dot)}.`), null, 'empty mac');
    assert.equal(tokens.verify(token.slice(0, dot)), null, 'no mac');
  });

  test('only the exact issued spelling verifies (bug: base64url decoding lets a changed mac through)', () => {
    const tokens = new ResumeTokens(SECRET);
    const token = tokens.issue('p1', CODE);
    assert.equal(tokens.verify(`${token}.`), null, 'trailing dot');
    assert.equal(tokens.verify(`${token}==`), null, 'trailing padding');
    assert.equal(tokens.verify(`${token}!!`), null, 'trailing junk');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const accepted = [...alphabet].map((ch) => token.slice(0, -1) + ch).filter((t) => t !== token && tokens.verify(t) !== null);
    assert.deepEqual(accepted, [], 'other spellings of the mac must not verify');
  });

  test('expired tokens are rejected', () => {
    let now = 5_000;
    const tokens = new ResumeTokens(SECRET, 1_000, () => now);
    const token = tokens.issue('p1', CODE);
    now = 6_000;
    assert.notEqual(tokens.verify(token), null, 'valid at the expiry instant');
    now = 6_001;
    assert.equal(tokens.verify(token), null);
    // Default lifetime is a day.
    const real = new ResumeTokens(SECRET);
    const claim = real.verify(real.issue('p1', CODE));
    assert.ok(claim && Math.abs(claim.expiresAt - (Date.now() + 24 * 3600 * 1000)) < 5_000);
  });

  test('a token signed with another secret is rejected', () => {
    const token = new ResumeTokens(randomBytes(32)).issue('p1', CODE);
    assert.equal(new ResumeTokens(SECRET).verify(token), null);
  });

  test('correctly signed bodies with the wrong shape are rejected', () => {
    const tokens = new ResumeTokens(SECRET);
    const sign = (body: string) => `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    assert.notEqual(tokens.verify(sign(enc({ p: 'p1', c: CODE, e: Date.now() + 1e6 }))), null, 'control: the helper signs like the issuer');
    assert.equal(tokens.verify(sign(enc({ p: 1, c: CODE, e: Date.now() + 1e6 }))), null);
    assert.equal(tokens.verify(sign(enc({ p: 'p1', e: Date.now() + 1e6 }))), null);
    assert.equal(tokens.verify(sign(enc({ p: 'p1', c: CODE, e: String(Date.now() + 1e6) }))), null);
    assert.equal(tokens.verify(sign(enc(['p1', CODE]))), null);
    assert.equal(tokens.verify(sign(Buffer.from('not json').toString('base64url'))), null);
  });

  test('garbage never throws', () => {
    const tokens = new ResumeTokens(SECRET);
    for (const t of ['', '.', '..', 'abc', '.abc', 'a.b.c', '\u0000.\u0000', 'x'.repeat(600)]) assert.equal(tokens.verify(t), null, t);
  });
});
