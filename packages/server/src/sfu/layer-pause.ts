/**
 * Pausing simulcast layers nobody needs (`sfu-layers`): a publisher whose viewers all show it in
 * small tiles need not encode its 720p layer. The SFU tells it how many layers (lowest first)
 * to send. A layer comes back at once when any receiver wants it; it is paused only after
 * nobody wanted it for a while, so a viewer resizing a window does not make the publisher's
 * encoder start and stop, and the lowest layer never stops (a new viewer starts at once).
 */

/** A simulcast layer nobody has wanted for this long is paused at the publisher. */
export const LAYER_PAUSE_AFTER_MS = 5000;

/** How many of one publisher's simulcast layers it is told to send, and when that changes. */
export class SentLayers {
  #count: number;
  /** When the top layer now sent was last wanted. */
  #topWantedAt: number;

  /**
   * @param count layers the publisher sends at first (all it offered).
   * @param now the clock at the start (a paused layer needs `pauseAfterMs` unwanted from here).
   */
  constructor(
    count: number,
    now: number,
    private readonly pauseAfterMs = LAYER_PAUSE_AFTER_MS,
  ) {
    this.#count = count;
    this.#topWantedAt = now;
  }

  /** Layers the publisher is told to send, lowest first. */
  get count(): number {
    return this.#count;
  }

  /**
   * The receivers now want at most layer `wanted` (its index; below 0: none shown at all).
   * Returns the new number of layers to send when it changes, or null when it stays.
   */
  update(wanted: number, now: number): number | null {
    const need = Math.max(0, wanted) + 1;
    if (need >= this.#count) this.#topWantedAt = now;
    const holding = now - this.#topWantedAt < this.pauseAfterMs;
    const next = holding ? Math.max(this.#count, need) : need;
    if (next === this.#count) return null;
    this.#count = next;
    return next;
  }
}
