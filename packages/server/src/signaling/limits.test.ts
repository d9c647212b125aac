import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, messageBurstFor } from '../config.js';
import { ConnectionAdmission, TokenBucket, addressKey } from './limits.js';

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
