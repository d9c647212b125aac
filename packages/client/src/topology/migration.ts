import type { Clock } from '../ports.js';
import type { Topology } from './topology.js';

/** How long a move to a new topology may take before it is completed anyway. */
export const MIGRATION_TIMEOUT_MS = 8000;
const POLL_MS = 200;

/**
 * Watches a topology that is being brought up next to the one in use, and says when it carries
 * media from everyone who sends video (`ready`), or when waiting has gone on long enough.
 * Until then the old topology keeps playing, so nobody's video stops during the move.
 */
export class TopologyMigration {
  #timer: unknown = null;
  #deadline: number;
  #done = false;

  constructor(
    readonly next: Topology,
    /** The participants whose media must be flowing, with whether their camera is on. */
    private readonly expected: () => Array<{ id: string; sendsVideo: boolean }>,
    private readonly clock: Clock,
    private readonly ready: () => void,
  ) {
    this.#deadline = clock.now() + MIGRATION_TIMEOUT_MS;
    this.#schedule();
  }

  cancel(): void {
    this.#done = true;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
  }

  #schedule(): void {
    this.#timer = this.clock.setTimeout(() => void this.#check(), POLL_MS);
  }

  async #check(): Promise<void> {
    if (this.#done) return;
    let all = true;
    for (const p of this.expected()) {
      const s = await this.next.stats(p.id).catch(() => null);
      const flowing = s !== null && (p.sendsVideo ? s.framesDecoded > 0 : s.audioPacketsReceived > 0 || s.connectionState === 'connected');
      if (!flowing) {
        all = false;
        break;
      }
    }
    if (this.#done) return;
    if (all || this.clock.now() >= this.#deadline) {
      this.#done = true;
      this.ready();
    } else {
      this.#schedule();
    }
  }
}
