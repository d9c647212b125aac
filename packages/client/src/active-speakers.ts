/**
 * Who is speaking now, most recent first: everyone whose voice was detected within the last
 * `holdMs` (a pause between sentences keeps a speaker in the list). The UI highlights them;
 * through the SFU the server's own ranking (the audio-level header) decides whose video comes.
 */
export class ActiveSpeakers {
  readonly #lastSpoke = new Map<string, number>();
  #list: string[] = [];

  constructor(private readonly holdMs = 2000) {}

  /** The active speakers, most recent first. */
  get list(): readonly string[] {
    return this.#list;
  }

  /**
   * Notes who is speaking at `now` (everyone else is silent); returns true when the list of
   * active speakers or its order changed.
   */
  update(speaking: Iterable<string>, now: number): boolean {
    for (const id of speaking) this.#lastSpoke.set(id, now);
    const next = [...this.#lastSpoke]
      .filter(([, at]) => now - at < this.holdMs)
      .sort((a, b) => b[1] - a[1])
      .map(([id]) => id);
    for (const [id, at] of this.#lastSpoke) if (now - at >= this.holdMs) this.#lastSpoke.delete(id);
    const changed = next.length !== this.#list.length || next.some((id, i) => id !== this.#list[i]);
    if (changed) this.#list = next;
    return changed;
  }

  /** Forgets a participant who left; true when the list changed. */
  remove(id: string): boolean {
    this.#lastSpoke.delete(id);
    const before = this.#list.length;
    this.#list = this.#list.filter((x) => x !== id);
    return this.#list.length !== before;
  }
}
