/**
 * Connection-layer limits against misbehaving sockets: a token bucket per connection for the
 * message rate, and admission caps on open connections per IP address and in total.
 */

/** Per-connection message rate: `ratePerS` sustained, `burst` at once. */
export interface MessageRate {
  ratePerS: number;
  burst: number;
}

/**
 * A token bucket: each message takes one token; tokens come back at `ratePerS`, up to
 * `burst`. Refilled lazily on `take()`, so an idle connection costs no timer.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly rate: MessageRate,
    now = performance.now(),
  ) {
    this.#tokens = rate.burst;
    this.#last = now;
  }

  /** Takes one token; false when the bucket is empty (the sender is over its rate). */
  take(now = performance.now()): boolean {
    const refill = ((now - this.#last) / 1000) * this.rate.ratePerS;
    this.#last = now;
    this.#tokens = Math.min(this.rate.burst, this.#tokens + refill);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Why an upgrade was refused: too many sockets from this address, or on the whole server. */
export type AdmissionRefusal = 'per-ip' | 'total';

/** HTTP answers to a refused upgrade (the socket never becomes a WebSocket). */
export const REFUSAL_STATUS: Record<AdmissionRefusal, { status: number; text: string }> = {
  'per-ip': { status: 429, text: 'Too Many Requests' },
  total: { status: 503, text: 'Service Unavailable' },
};

/**
 * Counts open sockets per remote address and in total. A socket is counted from the upgrade
 * request until its TCP connection closes, so half-open handshakes count too.
 */
export class ConnectionAdmission {
  readonly #perIp = new Map<string, number>();
  #total = 0;

  constructor(private readonly caps: { perIp: number; total: number }) {}

  get total(): number {
    return this.#total;
  }

  /** Counts a new socket from `address`, or says why it must be refused (then nothing is counted). */
  admit(address: string): AdmissionRefusal | null {
    const key = addressKey(address);
    const n = this.#perIp.get(key) ?? 0;
    if (this.#total >= this.caps.total) return 'total';
    if (n >= this.caps.perIp) return 'per-ip';
    this.#perIp.set(key, n + 1);
    this.#total++;
    return null;
  }

  /** Admits a socket (see `admit`) and releases it when the socket closes. */
  track(socket: { once(event: 'close', listener: () => void): unknown }, address: string): AdmissionRefusal | null {
    const refusal = this.admit(address);
    if (!refusal) socket.once('close', () => this.release(address));
    return refusal;
  }

  /** Forgets one socket from `address` (once per successful `admit`). */
  release(address: string): void {
    const key = addressKey(address);
    const n = this.#perIp.get(key);
    if (n === undefined) return;
    if (n <= 1) this.#perIp.delete(key);
    else this.#perIp.set(key, n - 1);
    this.#total--;
  }
}

/**
 * The key an address is counted under: IPv4 (also when IPv4-mapped) as is; IPv6 by its /64,
 * since one host usually holds a whole /64 and could otherwise rotate addresses freely.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::', 2) as [string?, string?];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}
