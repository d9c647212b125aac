import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';

export const AUDIENCE = 'https://class.example.edu';
export const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
export const CODE = 'abc-defg-hjk';

/** Claims of a good token for `CODE`, valid for ten minutes. */
export function claims(extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { room: CODE, name: 'Ada Lovelace', role: 'participant', aud: AUDIENCE, exp: now + 600, nbf: now - 5, ...extra };
}

/** Signs `payload` as an LMS would, with jose. */
export function sign(payload: JWTPayload, alg: string, key: KeyObject | Uint8Array, kid?: string): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(kid ? { alg, kid } : { alg }).sign(key);
}

/** HS256 with the shared secret. */
export function signHs256(payload: JWTPayload, secret = SECRET): Promise<string> {
  return sign(payload, 'HS256', new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none`), built by hand: jose refuses to make one. */
export function unsigned(payload: JWTPayload): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** A fresh key pair: RSA for RS256, P-256 for ES256. */
export function keyPair(kind: 'rsa' | 'ec'): { publicKey: KeyObject; privateKey: KeyObject; pem: string } {
  const pair = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { ...pair, pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A JWKS holding `publicKey` under `kid`. */
export async function jwksOf(publicKey: KeyObject, kid: string, alg: string): Promise<{ keys: object[] }> {
  return { keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] };
}
