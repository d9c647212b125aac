import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { certificateProblem, ensureDataDir, ensureSelfSignedCertificate, ensureServerSecret } from './data-dir.js';
import { createLogger } from './logger.js';
import { certificateNames, localAddresses } from './network.js';

const log = createLogger('silent');
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lectern-data-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = async (): Promise<string> => {
  const dir = join(root, `d${++n}`, 'nested');
  await ensureDataDir(dir);
  return dir;
};

/** A certificate for only the given names, valid for `days`. */
async function certFor(dns: string[], ips: string[], days = 365): Promise<string> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + days * 24 * 3600 * 1000),
    extensions: [
      { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  return pems.cert;
}

describe('data dir', () => {
  test('ensureDataDir makes nested dirs private (0700) and tolerates existing ones', async () => {
    const dir = await freshDir();
    await ensureDataDir(dir);
    const s = await stat(dir);
    assert.ok(s.isDirectory());
    if (process.platform !== 'win32') assert.equal(s.mode & 0o777, 0o700);
  });

  test('server secret: 32 random bytes, kept private, same on the next start', async () => {
    const dir = await freshDir();
    const first = await ensureServerSecret(dir);
    assert.equal(first.length, 32);
    assert.ok(!first.equals(Buffer.alloc(32)));
    const onDisk = await readFile(join(dir, 'server-secret'));
    assert.ok(onDisk.equals(first));
    if (process.platform !== 'win32') assert.equal((await stat(join(dir, 'server-secret'))).mode & 0o777, 0o600);
    assert.ok((await ensureServerSecret(dir)).equals(first), 'persisted');
    const other = await ensureServerSecret(await freshDir());
    assert.ok(!other.equals(first), 'each data dir gets its own secret');
  });

  test('a too-short secret file is replaced', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'server-secret'), 'short');
    const secret = await ensureServerSecret(dir);
    assert.equal(secret.length, 32);
    assert.ok((await readFile(join(dir, 'server-secret'))).equals(secret));
  });
});

describe('self-signed certificate', () => {
  test('covers localhost, 127.0.0.1, ::1, the host name and every local address', async () => {
    const dir = await freshDir();
    const tls = await ensureSelfSignedCertificate(dir, log);
    const x509 = new X509Certificate(tls.cert);
    const san = x509.subjectAltName ?? '';
    assert.match(san, /DNS:localhost/);
    assert.equal(x509.checkHost('localhost'), 'localhost');
    assert.equal(x509.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(x509.checkIP('::1'), '::1');
    assert.ok(x509.checkHost(hostname()), `host name ${hostname()} in ${san}`);
    const addresses = localAddresses().map((a) => a.address);
    assert.ok(addresses.length >= 1);
    for (const address of addresses) assert.equal(x509.checkIP(address), address, `${address} not in ${san}`);
    for (const ip of certificateNames().ips) assert.ok(x509.checkIP(ip), ip);
    // A name it was not made for is not covered.
    assert.equal(x509.checkHost('example.com'), undefined);
    assert.equal(x509.checkIP('203.0.113.9'), undefined);
    assert.equal(certificateProblem(tls.cert, certificateNames()), null);
  });

  test('is a usable server certificate valid for about 13 months, with a matching private key', async () => {
    const dir = await freshDir();
    const tls = await ensureSelfSignedCertificate(dir, log);
    const x509 = new X509Certificate(tls.cert);
    const days = (new Date(x509.validTo).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 390 && days <= 398, `valid for ${days} days`);
    assert.ok(new Date(x509.validFrom).getTime() <= Date.now());
    assert.equal(x509.ca, false);
    assert.ok(x509.checkPrivateKey(createPrivateKey(tls.key)));
    assert.equal(await readFile(join(dir, 'cert.pem'), 'utf8'), tls.cert);
    assert.equal(await readFile(join(dir, 'key.pem'), 'utf8'), tls.key);
    if (process.platform !== 'win32') assert.equal((await stat(join(dir, 'key.pem'))).mode & 0o777, 0o600);
  });

  test('is reused on the second call', async () => {
    const dir = await freshDir();
    const first = await ensureSelfSignedCertificate(dir, log);
    const second = await ensureSelfSignedCertificate(dir, log);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
  });

  test('is regenerated when the stored one misses a local name', async () => {
    const dir = await freshDir();
    const stale = await certFor(['localhost'], ['127.0.0.1']);
    await writeFile(join(dir, 'cert.pem'), stale);
    await writeFile(join(dir, 'key.pem'), 'unused');
    const tls = await ensureSelfSignedCertificate(dir, log);
    assert.notEqual(tls.cert, stale);
    assert.equal(certificateProblem(tls.cert, certificateNames()), null);
    assert.equal(await readFile(join(dir, 'cert.pem'), 'utf8'), tls.cert);
  });

  test('is regenerated when the stored one is unreadable, or only one file exists', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'cert.pem'), 'garbage');
    await writeFile(join(dir, 'key.pem'), 'garbage');
    const tls = await ensureSelfSignedCertificate(dir, log);
    assert.equal(certificateProblem(tls.cert, certificateNames()), null);
    await rm(join(dir, 'key.pem'));
    const again = await ensureSelfSignedCertificate(dir, log);
    assert.notEqual(again.cert, tls.cert);
    assert.ok(new X509Certificate(again.cert).checkPrivateKey(createPrivateKey(again.key)));
  });
});

describe('certificateProblem', () => {
  let cert: string;
  before(async () => {
    cert = await certFor(['localhost', 'lectern.lan'], ['127.0.0.1', '::1', '10.1.2.3', 'fd00::2']);
  });

  test('null when every name is covered, in any spelling', () => {
    assert.equal(certificateProblem(cert, { dns: ['localhost', 'LECTERN.lan'], ips: ['127.0.0.1', '::1', '10.1.2.3', 'FD00:0:0:0:0:0:0:2'] }), null);
    assert.equal(certificateProblem(cert, { dns: [], ips: ['0:0:0:0:0:0:0:1'] }), null);
  });

  test('names the missing DNS name or address', () => {
    assert.equal(certificateProblem(cert, { dns: ['localhost', 'other.lan'], ips: [] }), 'does not cover other.lan');
    assert.equal(certificateProblem(cert, { dns: [], ips: ['127.0.0.1', '10.1.2.4'] }), 'does not cover 10.1.2.4');
    assert.equal(certificateProblem(cert, { dns: [], ips: ['fd00::3'] }), 'does not cover fd00::3');
    // An address is not covered by a DNS entry that merely looks similar.
    assert.match(certificateProblem(cert, { dns: ['10.1.2.3.nip.io'], ips: [] }) ?? '', /does not cover/);
  });

  test('unreadable input', () => {
    assert.equal(certificateProblem('not a certificate', { dns: [], ips: [] }), 'unreadable certificate');
    assert.equal(certificateProblem('', { dns: [], ips: [] }), 'unreadable certificate');
  });

  test('expiring within 30 days', async () => {
    const soon = await certFor(['localhost'], ['127.0.0.1'], 10);
    assert.equal(certificateProblem(soon, { dns: ['localhost'], ips: ['127.0.0.1'] }), 'expires within 30 days');
    const later = await certFor(['localhost'], ['127.0.0.1'], 60);
    assert.equal(certificateProblem(later, { dns: ['localhost'], ips: ['127.0.0.1'] }), null);
  });
});
