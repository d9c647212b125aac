/** Where a transfer is: bytes done of total, speed and time left. */
export interface TransferProgress {
  /** Bytes done, never decreasing. */
  bytes: number;
  total: number;
  /** Bytes per second over the last few seconds; 0 before there is a measurement. */
  bytesPerSecond: number;
  /** Seconds left at the current speed; null when unknown (no speed yet). */
  secondsLeft: number | null;
}

/**
 * Turns a stream of "bytes done" readings into monotonic progress with speed over a sliding
 * window (so a pause shows as slowing down, and an early burst does not linger).
 */
export class ProgressMeter {
  readonly #samples: Array<{ t: number; bytes: number }> = [];
  #bytes = 0;

  constructor(
    readonly total: number,
    private readonly windowMs = 3000,
  ) {}

  /** Records `bytes` done at time `now` (ms). Readings below an earlier one are ignored. */
  update(bytes: number, now: number): TransferProgress {
    this.#bytes = Math.min(this.total, Math.max(this.#bytes, bytes));
    const samples = this.#samples;
    const last = samples[samples.length - 1];
    if (!last || now > last.t) samples.push({ t: now, bytes: this.#bytes });
    else last.bytes = this.#bytes;
    // Keep one sample older than the window, so the window is always fully spanned.
    while (samples.length > 2 && now - samples[1]!.t >= this.windowMs) samples.shift();
    return this.progress;
  }

  /** The latest progress. */
  get progress(): TransferProgress {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    const dt = first && last ? (last.t - first.t) / 1000 : 0;
    const bytesPerSecond = dt > 0 ? (last!.bytes - first!.bytes) / dt : 0;
    const left = this.total - this.#bytes;
    return {
      bytes: this.#bytes,
      total: this.total,
      bytesPerSecond,
      secondsLeft: left === 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : null,
    };
  }
}
