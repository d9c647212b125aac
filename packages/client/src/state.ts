/**
 * A finite state holder: the current state, a table of legal moves, and one `transition()`
 * that changes it, calls `onChange`, and throws on an illegal move.
 */
export class StateMachine<S extends string> {
  #state: S;

  constructor(
    initial: S,
    private readonly table: Readonly<Record<S, readonly S[]>>,
    private readonly onChange: (to: S, from: S) => void,
  ) {
    this.#state = initial;
  }

  get state(): S {
    return this.#state;
  }

  /** True when moving to `to` is legal from here. */
  can(to: S): boolean {
    return this.table[this.#state].includes(to);
  }

  /** Moves to `to`. Throws on a move the table does not list; staying put is a no-op. */
  transition(to: S): void {
    const from = this.#state;
    if (from === to) return;
    if (!this.table[from].includes(to)) throw new Error(`illegal state transition ${from} → ${to}`);
    this.#state = to;
    this.onChange(to, from);
  }
}
