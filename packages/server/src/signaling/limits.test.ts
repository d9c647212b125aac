import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, messageBurstFor } from '../config.js';
import { ConnectionAdmission, SlowLane, TokenBucket, addressKey, preJoinRate, type AbuseRules } from './limits.js';

describe('TokenBucket', () => {
  test('allows the burst at once, then the sustained rate, never more', () => {
    const bucket = new TokenBucket({ ratePerS: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) assert.ok(bucket.take(0), `burst message ${i}`);
    assert.equal(bucket.take(0), false, 'over the burst');
    assert.equal(bucket.take(50), false, 'half a token back after 50 ms');
    assert.ok(bucket.take(100), 'one token back after 100 ms');
    assert.equal(bucket.take(100), false);
    // A long pause refills only up to the burst.
    let allowed = 0;
    for (let i = 0; i < 20; i++) if (bucket.take(60_000)) allowed++;
    assert.equal(allowed, 5);
  });

  test('a sender at the sustained rate is never refused', () => {
    const bucket = new TokenBucket({ ratePerS: 50, burst: 1 }, 0);
    for (let t = 0; t < 10_000; t += 20) assert.ok(bucket.take(t), `message at ${t} ms`);
  });
});

/** A queue of `n` frames named `name`; each takes `costMs` of busy time to handle. */
function queue(name: string, n: number, handled: string[], costMs = 0) {
  let left = n;
  return {
    handleOne(): boolean {
      const until = performance.now() + costMs;
      while (performance.now() < until); // the work a frame costs
      handled.push(`${name}${n - left}`);
      return --left > 0;
    },
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SlowLane', () => {
  test('handles the waiting queues in turns, each in its own order, until all are empty', async () => {
    const lane = new SlowLane(50);
    const handled: string[] = [];
    lane.add(queue('a', 3, handled));
    lane.add(queue('b', 2, handled));
    await turn();
    await turn();
    assert.deepEqual(handled, ['a0', 'b0', 'a1', 'b1', 'a2']);
    assert.equal(lane.size, 0);
  });

  test('spends at most its budget per event-loop turn, so other work goes first', async () => {
    const lane = new SlowLane(2);
    const handled: string[] = [];
    lane.add(queue('f', 1000, handled, 0.1));
    await turn();
    const first = handled.length;
    assert.ok(first >= 1 && first <= 40, `about 2 ms of 0.1 ms frames in one turn, got ${first}`);
    const deadline = performance.now() + 5000;
    while (handled.length < 1000 && performance.now() < deadline) await turn();
    assert.equal(handled.length, 1000, 'the rest follows in later turns');
  });

  test('a queue taken out of line is not handled again', async () => {
    const lane = new SlowLane(50);
    const handled: string[] = [];
    const q = queue('x', 5, handled);
    lane.add(q);
    lane.remove(q);
    await turn();
    assert.deepEqual(handled, []);
  });
});

describe('ConnectionAdmission', () => {
  test('caps sockets per address and in total; release frees the slot', () => {
    const a = new ConnectionAdmission({ perIp: 2, total: 3 });
    assert.equal(a.admit('10.0.0.1'), null);
    assert.equal(a.admit('::ffff:10.0.0.1'), null, 'IPv4-mapped counts as the same address');
    assert.equal(a.admit('10.0.0.1'), 'per-ip');
    assert.equal(a.admit('10.0.0.2'), null);
    assert.equal(a.admit('10.0.0.3'), 'total');
    assert.equal(a.total, 3);
    a.release('10.0.0.1');
    assert.equal(a.admit('10.0.0.1'), null);
    a.release('10.0.0.9'); // never admitted: no effect
    assert.equal(a.total, 3);
  });
});

describe('ConnectionAdmission: flooding addresses', () => {
  const rules: AbuseRules = { strikes: 3, memoryMs: 60_000, penaltyMs: 10_000, tarpitMs: 50, maxHeld: 1 };

  test('after `strikes` flooding closes an address is refused for `penaltyMs` after the latest; others are not', () => {
    const a = new ConnectionAdmission({ perIp: 100, total: 100, abuse: rules });
    a.strike('10.0.0.1', 0);
    a.strike('::ffff:10.0.0.1', 1000);
    assert.equal(a.admit('10.0.0.1', 1500), null, 'two strikes: still admitted');
    a.strike('10.0.0.1', 2000);
    assert.equal(a.admit('10.0.0.1', 2500), 'abuse');
    assert.equal(a.admit('10.0.0.2', 2500), null, 'another address is unaffected');
    assert.equal(a.admit('10.0.0.1', 11_999), 'abuse');
    assert.equal(a.admit('10.0.0.1', 12_000), null, 'the penalty ends');
    a.strike('10.0.0.1', 20_000);
    assert.equal(a.admit('10.0.0.1', 20_001), 'abuse', 'one more strike within memoryMs: refused again at once');
  });

  test('strikes further apart than memoryMs do not add up', () => {
    const a = new ConnectionAdmission({ perIp: 100, total: 100, abuse: rules });
    for (let i = 0; i < 5; i++) a.strike('10.0.0.1', i * 61_000);
    assert.equal(a.admit('10.0.0.1', 4 * 61_000 + 1), null);
  });

  test('a refused upgrade from a flooding address is answered late, others at once; at most maxHeld wait', async () => {
    const a = new ConnectionAdmission({ perIp: 1, total: 100, abuse: rules });
    const answered: string[] = [];
    const socket = (name: string) => ({ destroyed: false, end: (data: string) => answered.push(`${name} ${data.split('\r\n')[0]}`) });
    a.refuse(socket('late'), 'abuse');
    a.refuse(socket('over'), 'abuse');
    a.refuse(socket('cap'), 'per-ip');
    assert.deepEqual(answered, ['over HTTP/1.1 429 Too Many Requests', 'cap HTTP/1.1 429 Too Many Requests']);
    const deadline = Date.now() + 5000;
    while (answered.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(answered.slice(2), ['late HTTP/1.1 429 Too Many Requests']);
  });
});

describe('preJoinRate', () => {
  test('a tenth of the joined budget, at least 1/s and a burst of 10', () => {
    assert.deepEqual(preJoinRate({ ratePerS: 50, burst: 100 }), { ratePerS: 5, burst: 10 });
    assert.deepEqual(preJoinRate({ ratePerS: 5, burst: 20 }), { ratePerS: 1, burst: 10 });
    assert.deepEqual(preJoinRate({ ratePerS: 1_000_000, burst: 1_000_000 }), { ratePerS: 100_000, burst: 100_000 });
  });
});

describe('addressKey', () => {
  test('IPv4 as is; IPv6 by /64, however it is written', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::FFFF:192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
  });
});

describe('messageBurstFor', () => {
  test('by default 12 per member of the largest mesh, at least 100; a configured burst wins', () => {
    const mesh = { topology: 'mesh', sfuThreshold: 4 } as const;
    assert.equal(messageBurstFor({ ...mesh, messageBurst: 0, maxParticipants: 6 }), 100);
    assert.equal(messageBurstFor({ ...mesh, messageBurst: 0, maxParticipants: 20 }), 240);
    assert.equal(messageBurstFor({ ...mesh, messageBurst: 0, maxParticipants: 50 }), 600);
    assert.equal(messageBurstFor({ ...mesh, messageBurst: 30, maxParticipants: 50 }), 30);
    // auto: mesh only up to the threshold; sfu: never a mesh.
    assert.equal(messageBurstFor({ topology: 'auto', sfuThreshold: 20, messageBurst: 0, maxParticipants: 50 }), 240);
    assert.equal(messageBurstFor({ topology: 'sfu', sfuThreshold: 20, messageBurst: 0, maxParticipants: 50 }), 100);
    assert.equal(messageBurstFor(DEFAULTS), 100);
  });
});
