import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Logger } from 'pino';
import { certificateNames } from './network.js';

/** Makes the data directory (mode 700) if it is missing. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Writes a file atomically (temp file + rename) so a crash never leaves half a key. */
async function writeAtomic(path: string, data: string | Buffer, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The server secret (32 random bytes) that signs resume tokens; made on first start. */
export async function ensureServerSecret(dir: string): Promise<Buffer> {
  const path = join(dir, 'server-secret');
  const existing = await readIfExists(path);
  if (existing && existing.length >= 32) return existing;
  const secret = randomBytes(32);
  await writeAtomic(path, secret, 0o600);
  return secret;
}

/**
 * The TURN REST API secret (printable, so it can be pasted into an external coturn's
 * `static-auth-secret`); made on first start and kept in the data directory.
 */
export async function ensureTurnSecret(dir: string): Promise<string> {
  const path = join(dir, 'turn-secret');
  const existing = (await readIfExists(path))?.toString('utf8').trim();
  if (existing && existing.length >= 32) return existing;
  const secret = randomBytes(32).toString('base64url');
  await writeAtomic(path, `${secret}\n`, 0o600);
  return secret;
}

/** A PEM certificate and key. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/**
 * Returns the generated self-signed certificate, making a new one when there is none, when
 * it expires within 30 days, or when it no longer covers every local name and address.
 */
export async function ensureSelfSignedCertificate(dir: string, log: Logger): Promise<TlsMaterial> {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const names = certificateNames();
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert && key) {
    const why = certificateProblem(cert.toString(), names);
    if (!why) return { cert: cert.toString(), key: key.toString() };
    log.info({ reason: why }, 'regenerating self-signed certificate');
  }
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'Lectern (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 397 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  await writeAtomic(keyPath, pems.private, 0o600);
  await writeAtomic(certPath, pems.cert, 0o644);
  log.info({ path: certPath, names: [...names.dns, ...names.ips] }, 'generated self-signed certificate');
  return { cert: pems.cert, key: pems.private };
}

/** Why a stored certificate must be replaced, or null when it is still good. */
export function certificateProblem(pem: string, names: { dns: string[]; ips: string[] }): string | null {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    return 'unreadable certificate';
  }
  if (new Date(x509.validTo).getTime() - Date.now() < 30 * 24 * 3600 * 1000) return 'expires within 30 days';
  const san = x509.subjectAltName ?? '';
  const covered = new Set(san.split(/,\s*/).map((s) => canonicalName(s.replace(/^(DNS|IP Address):/, ''))));
  for (const n of [...names.dns, ...names.ips]) if (!covered.has(canonicalName(n))) return `does not cover ${n}`;
  return null;
}

/** One spelling per name: Node prints IPv6 SANs expanded and upper case; URL parsing compresses them. */
function canonicalName(value: string): string {
  if (!value.includes(':')) return value.toLowerCase();
  try {
    return new URL(`http://[${value}]/`).hostname;
  } catch {
    return value.toLowerCase();
  }
}
