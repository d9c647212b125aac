import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Ephemeral TURN credentials, the "TURN REST API" scheme coturn implements
 * (draft-uberti-behave-turn-rest): username `expiry:participantId` (expiry in Unix seconds),
 * password base64(HMAC-SHA1(secret, username)). Nothing is stored: any server holding the
 * secret can check a username, and it stops working by itself at `expiry`.
 */
export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix milliseconds after which the server refuses it. */
  expiresAt: number;
}

/** Mints a credential for a participant, valid for `ttlS` seconds from `now`. */
export function mintCredential(secret: string, participantId: string, ttlS: number, now = Date.now()): TurnCredential {
  const expiry = Math.floor(now / 1000) + ttlS;
  const username = `${expiry}:${participantId}`;
  return { username, credential: restPassword(secret, username), expiresAt: expiry * 1000 };
}

/** The password that goes with a REST API username. */
export function restPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** What a username says: when it expires and who it belongs to. Null when not of our shape. */
export function parseUsername(username: string): { expiry: number; user: string } | null {
  const m = /^(\d{1,12}):(.{1,128})$/s.exec(username);
  if (!m) return null;
  return { expiry: Number(m[1]), user: m[2]! };
}

/** The long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

/**
 * Nonces that need no table: `timestamp.mac` where mac binds the time to the client's IP.
 * A nonce older than `lifetimeMs` is stale (438); one with a bad mac is not ours (401).
 */
export class NonceMint {
  constructor(
    private readonly key: Buffer,
    private readonly lifetimeMs: number,
  ) {}

  issue(clientIp: string, now: number): string {
    const t = now.toString(36);
    return `${t}.${this.#mac(t, clientIp)}`;
  }

  check(nonce: string, clientIp: string, now: number): 'ok' | 'stale' | 'invalid' {
    const dot = nonce.indexOf('.');
    if (dot <= 0 || nonce.length > 128) return 'invalid';
    const t = nonce.slice(0, dot);
    const expected = Buffer.from(this.#mac(t, clientIp));
    const given = Buffer.from(nonce.slice(dot + 1));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    const issued = parseInt(t, 36);
    if (!Number.isFinite(issued) || issued > now + 1000) return 'invalid';
    return now - issued > this.lifetimeMs ? 'stale' : 'ok';
  }

  #mac(t: string, clientIp: string): string {
    return createHmac('sha256', this.key).update(`${t}|${clientIp}`).digest('base64url').slice(0, 22);
  }
}
