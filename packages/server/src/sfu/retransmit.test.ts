import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rtp } from './rtp.test-helpers.js';
import { buildNack, readFeedback } from './rtp.js';
import { RateGate, RetransmitCache } from './retransmit.js';

describe('NACK', () => {
  test('a NACK lists its PID and every packet its bitmask marks, across wraparound', () => {
    const lost = [65534, 65535, 0, 3, 17, 40];
    const nack = buildNack(1, 0xabc, lost);
    assert.equal((nack.length - 12) / 4, 3, '65534 to 3 share one entry (PID + bitmask); 17 and 40 each need their own');
    const [fb] = readFeedback(nack);
    assert.deepEqual(fb, { kind: 'nack', mediaSsrc: 0xabc, lost });
  });

  test('the cache answers with the packets it sent, and misses what it never had, evicted or stale', () => {
    let now = 0;
    const cache = new RetransmitCache(8, 1000, 2, () => now);
    const sent = [65533, 65534, 65535, 0, 1, 2].map((seq) => rtp({ seq, payload: [seq & 0xff] }));
    for (const p of sent) cache.store(p);
    assert.deepEqual(cache.resend([65535, 0]), [sent[2], sent[3]], 'hits across the wrap');
    assert.deepEqual(cache.resend([3, 100]), [], 'never sent');
    assert.deepEqual(cache.stats, { hits: 2, misses: 2 });
    // Eight more packets push the old ones out of the ring (same slot, other sequence number).
    for (let seq = 3; seq < 11; seq++) cache.store(rtp({ seq }));
    assert.deepEqual(cache.resend([65535, 1]), [], 'evicted');
    assert.equal(cache.resend([10]).length, 1);
    now = 1500;
    assert.deepEqual(cache.resend([9]), [], 'older than a second: the receiver has moved on');
  });

  test('packets older than the age limit are let go as new ones come, so memory follows the age limit, not the capacity', () => {
    let now = 0;
    const cache = new RetransmitCache(512, 1000, 2, () => now);
    // 50 packets a second for three seconds: about one second's worth is held, not 150.
    for (let seq = 0; seq < 150; seq++) {
      cache.store(rtp({ seq }));
      now += 20;
    }
    assert.ok(cache.size <= 51 && cache.size >= 49, `holds ${cache.size}`);
    assert.equal(cache.resend([149]).length, 1, 'the newest is there');
    assert.deepEqual(cache.resend([10]), [], 'an old one is gone');
  });

  test('a packet is resent at most maxResends times', () => {
    const cache = new RetransmitCache(16, 1000, 2, () => 0);
    cache.store(rtp({ seq: 7 }));
    assert.equal(cache.resend([7]).length, 1);
    assert.equal(cache.resend([7]).length, 1);
    assert.equal(cache.resend([7]).length, 0);
  });

  test('capacity must be a power of two', () => {
    assert.throws(() => new RetransmitCache(100), RangeError);
  });
});

describe('keyframe requests', () => {
  test('pass at most once per interval, whoever asks', () => {
    let now = 1000;
    const gate = new RateGate(300, () => now);
    assert.equal(gate.pass(), true);
    now += 100;
    assert.equal(gate.pass(), false);
    now += 199;
    assert.equal(gate.pass(), false);
    now += 1;
    assert.equal(gate.pass(), true, '300 ms after the first');
    let passed = 0;
    for (let i = 0; i < 1000; i++) {
      now += 1;
      if (gate.pass()) passed++;
    }
    assert.equal(passed, 3, 'a thousand requests over a second: three keyframes');
  });
});
