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

/** Something with frames waiting in the {@link SlowLane}. */
export interface SlowLaneQueue {
  /** Handles one waiting frame; false when none are left (it then leaves the lane). */
  handleOne(): boolean;
}

/**
 * Where the frames of a socket that sends fast wait (one past its fast-lane budget). They are
 * handled a few milliseconds' worth per event-loop turn, in turns across such sockets, so that
 * the frames of everyone else go first. Without it, a thousand flooders each get a frame handled
 * per turn: every turn takes that long for everyone, and since a flooder's frames are then
 * handled slower than its rate limit refills, the limit never catches it. With it, a flooder's
 * frames cost only their arrival (its rate limit counts them), until it is closed.
 */
export class SlowLane {
  readonly #waiting = new Set<SlowLaneQueue>();
  #scheduled = false;

  constructor(private readonly budgetMs = 2) {}

  /** Puts `queue` in line (no-op if it is already waiting). */
  add(queue: SlowLaneQueue): void {
    this.#waiting.add(queue);
    this.#schedule();
  }

  remove(queue: SlowLaneQueue): void {
    this.#waiting.delete(queue);
  }

  get size(): number {
    return this.#waiting.size;
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const end = performance.now() + this.budgetMs;
    while (this.#waiting.size > 0 && performance.now() < end) {
      for (const queue of this.#waiting) {
        this.#waiting.delete(queue);
        // Back to the end of the line: turns go round the waiting sockets.
        if (queue.handleOne()) this.#waiting.add(queue);
        if (performance.now() >= end) break;
      }
    }
    this.#schedule();
  }
}

/**
 * How many of a socket's frames are handled the moment they arrive: a tenth of the sustained
 * rate, in bursts of a twenty-fifth of the burst (at least 4). Beyond it they wait their turn in
 * the {@link SlowLane}, which on a server with time to spare is the same event-loop turn.
 */
export function fastLaneRate(rate: MessageRate): MessageRate {
  return { ratePerS: Math.max(1, rate.ratePerS / 10), burst: Math.max(4, Math.ceil(rate.burst / 25)) };
}

/**
 * The second budget of a socket that has not joined a session (before `hello`, before `join`,
 * or waiting in a lobby): a tenth of the joined one, at least a burst of 10. Such a socket only
 * says hello, joins and pings; a flooder that reconnects over and over is closed after a
 * handful of frames instead of a joiner's whole burst. Joined sockets draw on the main budget
 * only, and the main budget is shared across joins, so joining and leaving refills nothing.
 */
export function preJoinRate(rate: MessageRate): MessageRate {
  return { ratePerS: Math.max(1, rate.ratePerS / 10), burst: Math.max(10, Math.ceil(rate.burst / 10)) };
}

/** Why an upgrade was refused: too many sockets from this address or on the whole server, or the address keeps flooding. */
export type AdmissionRefusal = 'per-ip' | 'total' | 'abuse';

/** HTTP answers to a refused upgrade (the socket never becomes a WebSocket). */
export const REFUSAL_STATUS: Record<AdmissionRefusal, { status: number; text: string }> = {
  'per-ip': { status: 429, text: 'Too Many Requests' },
  total: { status: 503, text: 'Service Unavailable' },
  abuse: { status: 429, text: 'Too Many Requests' },
};

/**
 * How an address whose sockets keep getting closed for flooding is kept out. A flooder that
 * reconnects would otherwise cost a WebSocket upgrade, a handshake and a burst of frames each
 * time; refused before the upgrade, and answered late, its reconnect loop costs almost nothing.
 * Sockets already open from that address (its neighbours behind the same NAT) are untouched.
 */
export interface AbuseRules {
  /** Sockets from one address closed for flooding, each within `memoryMs` of the last, before it is refused. */
  strikes: number;
  memoryMs: number;
  /** After its latest strike, new sockets from the address are refused (429) for this long. */
  penaltyMs: number;
  /** A refused upgrade from such an address is answered this late (a tarpit for its reconnect loop). */
  tarpitMs: number;
  /** Most refused upgrades held for their late answer at once; beyond that they are answered at once. */
  maxHeld: number;
}

export const DEFAULT_ABUSE_RULES: AbuseRules = { strikes: 3, memoryMs: 60_000, penaltyMs: 10_000, tarpitMs: 2_000, maxHeld: 5_000 };

/** Bounds the strike table: older entries are swept when it grows past this. */
const MAX_STRIKE_ENTRIES = 10_000;

/**
 * Counts open sockets per remote address and in total, and remembers addresses whose sockets
 * were closed for flooding. A socket is counted from the upgrade request until its TCP
 * connection closes, so half-open handshakes count too.
 */
export class ConnectionAdmission {
  readonly #perIp = new Map<string, number>();
  readonly #strikes = new Map<string, { count: number; last: number }>();
  readonly #abuse: AbuseRules;
  #total = 0;
  #held = 0;

  constructor(private readonly caps: { perIp: number; total: number; abuse?: AbuseRules }) {
    this.#abuse = caps.abuse ?? DEFAULT_ABUSE_RULES;
  }

  get total(): number {
    return this.#total;
  }

  /** Counts a new socket from `address`, or says why it must be refused (then nothing is counted). */
  admit(address: string, now = performance.now()): AdmissionRefusal | null {
    const key = addressKey(address);
    const n = this.#perIp.get(key) ?? 0;
    if (this.#total >= this.caps.total) return 'total';
    if (this.#penalised(key, now)) return 'abuse';
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

  /** A socket from `address` was closed for flooding. */
  strike(address: string, now = performance.now()): void {
    const key = addressKey(address);
    const entry = this.#strikes.get(key);
    if (entry && now - entry.last <= this.#abuse.memoryMs) {
      entry.count++;
      entry.last = now;
      return;
    }
    if (this.#strikes.size >= MAX_STRIKE_ENTRIES) this.#forgetStrikes(now);
    this.#strikes.set(key, { count: 1, last: now });
  }

  /**
   * Answers a refused upgrade on its raw socket: at once, or for an abusive address only after
   * `tarpitMs`, so that its reconnect loop waits (the held socket costs a timer, nothing more).
   */
  refuse(socket: { destroyed: boolean; end(data: string): unknown }, refusal: AdmissionRefusal): void {
    const { status, text } = REFUSAL_STATUS[refusal];
    const answer = (): void => {
      if (!socket.destroyed) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (refusal !== 'abuse' || this.#held >= this.#abuse.maxHeld) return answer();
    this.#held++;
    setTimeout(() => {
      this.#held--;
      answer();
    }, this.#abuse.tarpitMs).unref();
  }

  #penalised(key: string, now: number): boolean {
    const entry = this.#strikes.get(key);
    return entry !== undefined && entry.count >= this.#abuse.strikes && now - entry.last < this.#abuse.penaltyMs;
  }

  #forgetStrikes(now: number): void {
    for (const [key, entry] of this.#strikes) if (now - entry.last > this.#abuse.memoryMs) this.#strikes.delete(key);
    // Still full of fresh entries (addresses rotated on purpose): the oldest go first.
    for (const key of this.#strikes.keys()) {
      if (this.#strikes.size < MAX_STRIKE_ENTRIES) break;
      this.#strikes.delete(key);
    }
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
