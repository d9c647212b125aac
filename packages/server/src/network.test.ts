import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hostname, networkInterfaces } from 'node:os';
import { createSocket } from 'node:dgram';
import { certificateNames, freeUdpPort, localAddresses, serverUrls, udpPortUsable, urlHost } from './network.js';

describe('network', () => {
  test('localAddresses lists every interface address except link-local IPv6', () => {
    const expected = Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .filter((a) => !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80')))
      .map((a) => a.address)
      .sort();
    assert.deepEqual(localAddresses().map((a) => a.address).sort(), expected);
    for (const a of localAddresses()) assert.ok(!a.address.toLowerCase().startsWith('fe80'));
  });

  test('certificateNames always include localhost, the loopbacks and the host name', () => {
    const { dns, ips } = certificateNames();
    assert.ok(dns.includes('localhost'));
    assert.ok(dns.includes(hostname()));
    if (!hostname().includes('.')) assert.ok(dns.includes(`${hostname()}.local`));
    assert.ok(ips.includes('127.0.0.1'));
    assert.ok(ips.includes('::1'));
    for (const a of localAddresses()) assert.ok(ips.includes(a.address), a.address);
    assert.equal(new Set(ips).size, ips.length, 'no duplicates');
  });

  test('urlHost brackets IPv6 only', () => {
    assert.equal(urlHost('::1'), '[::1]');
    assert.equal(urlHost('fd00::2'), '[fd00::2]');
    assert.equal(urlHost('10.0.0.1'), '10.0.0.1');
    assert.equal(urlHost('localhost'), 'localhost');
  });

  test('serverUrls: a specific host gives one URL', () => {
    assert.deepEqual(serverUrls('https', '127.0.0.1', 9000), ['https://127.0.0.1:9000/']);
    assert.deepEqual(serverUrls('http', '::1', 80), ['http://[::1]:80/']);
  });

  test('serverUrls: wildcard gives localhost first, then every external address as a valid URL', () => {
    const urls = serverUrls('https', '::', 9443);
    assert.equal(urls[0], 'https://localhost:9443/');
    const external = localAddresses().filter((a) => !a.internal);
    assert.equal(urls.length, 1 + external.length);
    for (const u of urls) assert.equal(new URL(u).port, '9443');
    const v4only = serverUrls('http', '0.0.0.0', 1);
    assert.ok(v4only.slice(1).every((u) => !u.includes('[')), 'IPv4 wildcard lists no IPv6 addresses');
  });
});

describe('UDP ports', () => {
  test('a free port is usable, a bound one is refused with EADDRINUSE, and it is usable again once let go', async () => {
    const port = await freeUdpPort('127.0.0.1');
    await udpPortUsable(port, '127.0.0.1');
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(port, '127.0.0.1', () => resolve()));
    await assert.rejects(udpPortUsable(port, '127.0.0.1'), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await udpPortUsable(port, '127.0.0.1');
  });
});
