import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinAttemptLimiter, addressKey } from './attempt-limiter.js';

const CODE = 'abc-defg-hjk';
const OTHER = 'bcd-efgh-jkm';

function limiter(limits: Partial<ConstructorParameters<typeof JoinAttemptLimiter>[0]> = {}) {
  let now = 1_000_000;
  const l = new JoinAttemptLimiter({ perIpSession: 3, perIp: 5, perSession: 4, windowMs: 60_000, ...limits }, () => now);
  return { l, advance: (ms: number) => (now += ms) };
}

test('an address may fail a few times on a session, then waits until a token refills', () => {
  const { l, advance } = limiter();
  for (let i = 0; i < 3; i++) {
    assert.equal(l.retryAfterMs('10.0.0.1', CODE), 0);
    l.spend('10.0.0.1', CODE, true);
  }
  // Three per minute: one token comes back every 20 s.
  assert.equal(l.retryAfterMs('10.0.0.1', CODE), 20_000);
  assert.equal(l.retryAfterMs('10.0.0.2', CODE), 0, 'another address is not held back');
  advance(19_999);
  assert.ok(l.retryAfterMs('10.0.0.1', CODE) > 0);
  advance(1);
  assert.equal(l.retryAfterMs('10.0.0.1', CODE), 0);
});

test('failures on many sessions add up per address (code guessing)', () => {
  const { l } = limiter();
  for (let i = 0; i < 5; i++) l.spend('10.0.0.1', `x-${i}`, false);
  assert.ok(l.retryAfterMs('10.0.0.1', OTHER) > 0, 'the address is out of attempts everywhere');
  assert.equal(l.retryAfterMs('10.0.0.9', OTHER), 0);
});

test('failures from many addresses add up per session (a distributed password guess)', () => {
  const { l } = limiter();
  for (let i = 1; i <= 4; i++) l.spend(`10.0.0.${i}`, CODE, true);
  assert.ok(l.retryAfterMs('10.0.0.50', CODE) > 0, 'nobody may try this session for now');
  assert.equal(l.retryAfterMs('10.0.0.50', OTHER), 0, 'other sessions are untouched');
});

test('a wrong code does not charge the session it happens to name', () => {
  const { l } = limiter();
  for (let i = 1; i <= 4; i++) l.spend(`10.0.0.${i}`, CODE, false);
  assert.equal(l.retryAfterMs('10.0.0.50', CODE), 0);
});

test('refilled buckets are forgotten, so memory holds only recent offenders', () => {
  const { l, advance } = limiter();
  for (let i = 0; i < 100; i++) l.spend(`10.1.${i >> 8}.${i & 255}`, CODE, true);
  assert.ok(l.size > 100);
  advance(120_000);
  l.spend('10.9.9.9', OTHER, false);
  assert.equal(l.size, 1);
});

test('IPv6 addresses count per /64; IPv4-mapped addresses as IPv4', () => {
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb::2'));
  assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  const { l } = limiter();
  for (let i = 0; i < 5; i++) l.spend(`2001:db8:0:1::${i + 1}`, `x-${i}`, false);
  assert.ok(l.retryAfterMs('2001:db8:0:1:ffff::9', OTHER) > 0, 'rotating within the /64 does not help');
});
