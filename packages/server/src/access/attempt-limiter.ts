import ipaddr from 'ipaddr.js';

/** How many failed join attempts each key may make per window. */
export interface AttemptLimits {
  /** One address against one session (password guessing). */
  perIpSession: number;
  /** One address against anything (code guessing). */
  perIp: number;
  /** Every address together against one session (a distributed password guess). */
  perSession: number;
  windowMs: number;
}

/** Most buckets kept; each is a few dozen bytes. */
const MAX_BUCKETS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
  limit: number;
}

/**
 * Token buckets for failed join attempts: each key holds up to its limit and refills at
 * limit per window, so a burst is allowed and then one attempt per window/limit. Only
 * failures spend tokens (a whole class behind one NAT joins freely); once a key is empty,
 * every attempt under it is refused until a token is back.
 */
export class JoinAttemptLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep: number;

  constructor(
    private readonly limits: AttemptLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.#lastSweep = now();
  }

  /** Milliseconds until `ip` may try `code` again; 0 when it may now. */
  retryAfterMs(ip: string, code: string): number {
    let wait = 0;
    for (const [key, limit] of this.#keys(ip, code, true)) {
      const tokens = this.#tokens(key, limit);
      if (tokens < 1) wait = Math.max(wait, Math.ceil(((1 - tokens) * this.limits.windowMs) / limit));
    }
    return wait;
  }

  /** Records an attempt that counts (a failed join). `sessionExists` is false for a wrong code: only the address pays. */
  spend(ip: string, code: string, sessionExists: boolean): void {
    const now = this.now();
    for (const [key, limit] of this.#keys(ip, code, sessionExists)) {
      this.#buckets.set(key, { tokens: Math.max(0, this.#tokens(key, limit) - 1), at: now, limit });
    }
    if (now - this.#lastSweep >= this.limits.windowMs || this.#buckets.size > MAX_BUCKETS) this.#sweep(now);
  }

  /** Buckets held (full ones are forgotten): for tests and health. */
  get size(): number {
    return this.#buckets.size;
  }

  #keys(ip: string, code: string, sessionExists: boolean): Array<[string, number]> {
    const who = addressKey(ip);
    const keys: Array<[string, number]> = [[`ip ${who}`, this.limits.perIp]];
    if (sessionExists) keys.push([`ip+session ${who} ${code}`, this.limits.perIpSession], [`session ${code}`, this.limits.perSession]);
    return keys;
  }

  #tokens(key: string, limit: number): number {
    const b = this.#buckets.get(key);
    if (!b) return limit;
    return refilled(b, this.now(), this.limits.windowMs);
  }

  /** Forgets buckets that have refilled: the map holds only recent offenders. */
  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, b] of this.#buckets) if (refilled(b, now, this.limits.windowMs) >= b.limit) this.#buckets.delete(key);
    // Past the cap (a flood from very many addresses), forget the oldest first: memory stays bounded.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= MAX_BUCKETS) break;
      this.#buckets.delete(key);
    }
  }
}

function refilled(b: Bucket, now: number, windowMs: number): number {
  return Math.min(b.limit, b.tokens + (Math.max(0, now - b.at) * b.limit) / windowMs);
}

/**
 * The unit an attacker pays per: an IPv4 address, or an IPv6 /64 (one host usually holds a
 * whole /64, so single IPv6 addresses would be free to rotate).
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
