import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SendPath } from './send-path.js';

/** A small seeded generator (mulberry32), so the drop count is the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SFU send path: counters and the test loss', () => {
  test('without loss every packet goes out, and each kind is counted', () => {
    const path = new SendPath();
    for (let i = 0; i < 1000; i++) assert.equal(path.send('forward'), true);
    assert.equal(path.send('retransmit'), true);
    path.nacked(3);
    assert.deepEqual(path.stats, { forwarded: 1000, nacked: 3, retransmitted: 1, dropped: 0 });
  });

  test('5% loss drops about 5% of first sends and of retransmissions, and counts what it dropped', () => {
    const path = new SendPath(0.05, seeded(7));
    let lost = 0;
    for (let i = 0; i < 20_000; i++) if (!path.send(i % 10 === 0 ? 'retransmit' : 'forward')) lost++;
    assert.equal(path.stats.dropped, lost);
    assert.ok(lost > 20_000 * 0.04 && lost < 20_000 * 0.06, `dropped ${lost} of 20000`);
    assert.equal(path.stats.forwarded + path.stats.retransmitted, 20_000);
  });

  test('a retransmission is dropped at the same rate (not exempt)', () => {
    const always = new SendPath(0.5, () => 0);
    assert.equal(always.send('retransmit'), false);
    assert.equal(always.send('forward'), false);
    assert.equal(always.stats.dropped, 2);
  });

  test('a loss outside 0..1 is refused', () => {
    for (const bad of [-0.1, 1, 2, Number.NaN]) assert.throws(() => new SendPath(bad), RangeError);
  });
});
