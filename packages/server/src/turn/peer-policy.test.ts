import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { ipBytes } from './attributes.js';
import { PeerPolicy, embeddedV4, parseCidr } from './peer-policy.js';

/** One address from every denied IPv4 range, at both ends where the end is interesting. */
const DENIED_V4 = [
  '0.0.0.0', '0.1.2.3', '0.255.255.255',
  '10.0.0.1', '10.255.255.255',
  '100.64.0.0', '100.127.255.255',
  '127.0.0.1', '127.255.255.254',
  '169.254.0.1', '169.254.169.254', '169.254.255.255',
  '172.16.0.1', '172.31.255.255',
  '192.168.0.1', '192.168.255.255',
  '224.0.0.1', '239.255.255.250',
  '255.255.255.255',
];
const DENIED_V6 = ['::', '::1', 'fc00::1', 'fd12:3456::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::1', 'febf::1', 'ff02::1', 'ff05::1:3'];
const PUBLIC = ['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '169.253.255.255', '192.167.255.255', '11.0.0.1'];

/** The textual spellings of an IPv4 address: dotted, octal, hex, one integer, short form. */
function v4Spellings(ip: string): string[] {
  const parts = ip.split('.').map(Number);
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  return [ip, parts.map((p) => `0${p.toString(8)}`).join('.'), parts.map((p) => `0x${p.toString(16)}`).join('.'), String(n), `${parts[0]}.${(n & 0xffffff) >>> 0}`];
}

/** The IPv6 spellings that carry an IPv4 address: mapped, compatible, NAT64 and 6to4, dotted and hex. */
function v6Embeddings(ip: string): string[] {
  const b = ipBytes(ip)!;
  const hi = b.readUInt16BE(0).toString(16);
  const lo = b.readUInt16BE(2).toString(16);
  return [
    `::ffff:${ip}`, `::ffff:${hi}:${lo}`, `0:0:0:0:0:ffff:${ip}`, `0000:0000:0000:0000:0000:FFFF:${hi.toUpperCase()}:${lo}`,
    `::${ip}`, `::${hi}:${lo}`, `0:0:0:0:0:0:${ip}`,
    `64:ff9b::${ip}`, `64:ff9b::${hi}:${lo}`,
    `2002:${hi}:${lo}::1`,
  ];
}

/** Text → wire bytes: IPv4 through ipaddr.js (it reads octal/hex/integer forms), IPv6 strictly. */
function bytesOf(text: string): Buffer {
  if (!text.includes(':')) return Buffer.from(ipaddr.IPv4.parse(text).toByteArray());
  const b = ipBytes(text);
  assert.ok(b, `parse ${text}`);
  return b;
}

describe('peer policy: safe by default', () => {
  const policy = new PeerPolicy();

  test('every denied IPv4 range is refused in every textual spelling', () => {
    for (const ip of DENIED_V4) {
      for (const s of v4Spellings(ip)) {
        const b = bytesOf(s);
        assert.deepEqual([...b], ip.split('.').map(Number), `${s} spells ${ip}`);
        assert.equal(policy.check(b).allowed, false, s);
      }
    }
  });

  test('every denied IPv4 range is refused in its IPv4-mapped, -compatible, NAT64 and 6to4 forms', () => {
    for (const ip of DENIED_V4) for (const s of v6Embeddings(ip)) assert.equal(policy.check(bytesOf(s)).allowed, false, s);
  });

  test('denied IPv6 ranges: ::, ::1, fc00::/7, fe80::/10, multicast', () => {
    for (const s of DENIED_V6) assert.equal(policy.check(bytesOf(s)).allowed, false, s);
  });

  test('public addresses pass, also when mapped into IPv6', () => {
    for (const ip of PUBLIC) {
      assert.equal(policy.check(bytesOf(ip)).allowed, true, ip);
      assert.equal(policy.check(bytesOf(`::ffff:${ip}`)).allowed, true, `::ffff:${ip}`);
      assert.equal(policy.check(bytesOf(`64:ff9b::${ip}`)).allowed, true, `64:ff9b::${ip}`);
    }
    for (const s of ['2606:4700:4700::1111', '2001:4860:4860::8888']) assert.equal(policy.check(bytesOf(s)).allowed, true, s);
    // IPv4-compatible addresses are obsolete; even a public one is not relayed to.
    assert.equal(policy.check(bytesOf('::8.8.8.8')).allowed, false);
  });

  test('the refusal names the range', () => {
    const v = policy.check(bytesOf('::ffff:169.254.169.254'));
    assert.equal(v.allowed, false);
    assert.match(v.allowed ? '' : v.reason, /link-local.*IPv6/);
  });
});

describe('peer policy: --turn-allow-peer', () => {
  test('an allowed range opens exactly that range, in every form', () => {
    const policy = new PeerPolicy(['127.0.0.0/8', '10.20.0.0/16', 'fd00:1::/64']);
    for (const s of ['127.0.0.1', '127.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '10.20.3.4', 'fd00:1::5']) assert.equal(policy.check(bytesOf(s)).allowed, true, s);
    for (const s of ['10.21.0.1', '192.168.1.1', '169.254.169.254', 'fd00:2::1', '::1']) assert.equal(policy.check(bytesOf(s)).allowed, false, s);
  });

  test('a bare address is a /32 or /128; garbage is an error', () => {
    const policy = new PeerPolicy(['192.168.1.10']);
    assert.equal(policy.check(bytesOf('192.168.1.10')).allowed, true);
    assert.equal(policy.check(bytesOf('192.168.1.11')).allowed, false);
    assert.throws(() => parseCidr('10.0.0.0/33'));
    assert.throws(() => parseCidr('not-an-ip'));
    assert.equal(parseCidr('::1.2.3.4/128').bytes.toString('hex'), '00000000000000000000000001020304');
  });

  test('embeddedV4 finds the IPv4 address inside each embedding', () => {
    for (const s of v6Embeddings('1.2.3.4')) assert.deepEqual([...embeddedV4(bytesOf(s))!], [1, 2, 3, 4], s);
    assert.equal(embeddedV4(bytesOf('2606:4700::1')), null);
  });
});
