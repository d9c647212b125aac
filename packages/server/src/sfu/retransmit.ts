/**
 * Retransmission for the SFU's outgoing video: a receiver's NACK (RFC 4585 §6.2.1) names lost
 * sequence numbers, and the SFU sends those packets again from a cache of what it recently sent
 * on that stream, instead of asking the publisher (who would not know the rewritten numbers).
 */

/** What the cache holds for one sequence number. */
interface Entry {
  sequence: number;
  packet: Buffer;
  sentAt: number;
  resends: number;
}

/** Counters, for tests and logs. */
export interface RetransmitStats {
  hits: number;
  misses: number;
}

/**
 * The last `capacity` packets sent on one stream (rewritten, ready to send), by sequence
 * number. A packet older than `maxAgeMs` is not resent (the receiver has given up on it by
 * then), and none is resent more than `maxResends` times (a receiver that keeps asking is on a
 * link that retransmission will not save).
 */
export class RetransmitCache {
  readonly #entries: (Entry | undefined)[];
  readonly #mask: number;
  /** Entries in the order they were stored, so those past `maxAgeMs` are let go (memory follows the age limit, not the capacity). */
  #order: Entry[] = [];
  #head = 0;
  readonly stats: RetransmitStats = { hits: 0, misses: 0 };

  constructor(
    capacity = 512,
    private readonly maxAgeMs = 1000,
    private readonly maxResends = 2,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.#entries = new Array<Entry | undefined>(capacity);
    this.#mask = capacity - 1;
  }

  /** Remembers a packet just sent (an RTP packet; its sequence number is read from it). */
  store(packet: Buffer): void {
    if (packet.length < 12) return;
    const sequence = packet.readUInt16BE(2);
    const now = this.now();
    const entry = { sequence, packet, sentAt: now, resends: 0 };
    this.#entries[sequence & this.#mask] = entry;
    this.#order.push(entry);
    this.#expire(now);
  }

  /** Number of packets held now. */
  get size(): number {
    return this.#entries.reduce((n, e) => n + (e ? 1 : 0), 0);
  }

  #expire(now: number): void {
    while (this.#head < this.#order.length && now - this.#order[this.#head]!.sentAt > this.maxAgeMs) {
      const old = this.#order[this.#head++]!;
      const slot = old.sequence & this.#mask;
      if (this.#entries[slot] === old) this.#entries[slot] = undefined;
    }
    // Compact now and then rather than shifting on every packet.
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The packets to send again for the lost sequence numbers a NACK lists; unknown or stale ones are skipped. */
  resend(lost: readonly number[]): Buffer[] {
    const now = this.now();
    const out: Buffer[] = [];
    for (const sequence of lost) {
      const e = this.#entries[sequence & this.#mask];
      if (!e || e.sequence !== sequence || now - e.sentAt > this.maxAgeMs || e.resends >= this.maxResends) {
        this.stats.misses++;
        continue;
      }
      e.resends++;
      this.stats.hits++;
      out.push(e.packet);
    }
    return out;
  }

  /** Forgets everything (the stream's source went away). */
  clear(): void {
    this.#entries.fill(undefined);
  }
}

/**
 * Lets an action through at most once per `intervalMs`: keyframe requests to a publisher, so a
 * room of receivers that all lost a packet (or a receiver that floods PLIs) does not turn the
 * publisher's stream into keyframes only.
 */
export class RateGate {
  #last = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True (and the gate closes for `intervalMs`) when the last pass was long enough ago. */
  pass(): boolean {
    const now = this.now();
    if (now - this.#last < this.intervalMs) return false;
    this.#last = now;
    return true;
  }
}
