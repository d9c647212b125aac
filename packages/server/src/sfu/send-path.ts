/**
 * What the SFU sends to receivers, counted (for /healthz, logs and tests), and a deliberate loss
 * for testing: with `--sfu-test-loss` the SFU drops that fraction of the RTP it sends on
 * receivers' slots, first sends and retransmissions alike, so a test can watch NACKs and
 * retransmission keep the picture going on a lossy link. In real use the loss is 0.
 */

/** Counters of the SFU's outgoing media, since the server started. */
export interface SfuSendStats {
  /** Media packets forwarded to receivers (first sends, counted before any test loss). */
  forwarded: number;
  /** Sequence numbers receivers asked for again (NACK). */
  nacked: number;
  /** Packets sent again from the retransmit caches in answer (counted before any test loss). */
  retransmitted: number;
  /** Packets the test loss dropped instead of sending (first sends and retransmissions). */
  dropped: number;
}

/** One per SFU: every receiver's outgoing RTP passes {@link SendPath.send} just before it goes out. */
export class SendPath {
  readonly stats: SfuSendStats = { forwarded: 0, nacked: 0, retransmitted: 0, dropped: 0 };

  /**
   * @param loss fraction of packets to drop, 0 (none) to below 1; the config allows 0..0.5.
   * @param random uniform in [0, 1); a test may pass a seeded one.
   */
  constructor(
    readonly loss = 0,
    private readonly random: () => number = Math.random,
  ) {
    if (!(loss >= 0 && loss < 1)) throw new RangeError(`loss must be from 0 to below 1, not ${loss}`);
  }

  /** Counts a packet about to be sent; false when the test loss drops it instead. */
  send(kind: 'forward' | 'retransmit'): boolean {
    if (kind === 'forward') this.stats.forwarded++;
    else this.stats.retransmitted++;
    if (this.loss === 0 || this.random() >= this.loss) return true;
    this.stats.dropped++;
    return false;
  }

  /** Counts the sequence numbers one NACK asked for. */
  nacked(count: number): void {
    this.stats.nacked += count;
  }
}
