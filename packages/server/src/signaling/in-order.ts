/**
 * Keeps a connection's answers in the order of its messages although some are handled
 * asynchronously (a password hash, a join token check): while such a step runs, that
 * connection's later messages wait in a short backlog and are handled after it, in order.
 */
export class InOrder<C extends object, M> {
  readonly #backlogs = new WeakMap<C, M[]>();

  constructor(
    private readonly options: {
      /** Handles one message now. */
      dispatch: (conn: C, message: M) => void;
      /** Most messages that may wait behind one step. */
      limit: number;
      /** The backlog is full: the client is flooding while it waits. */
      overflow: (conn: C) => void;
      /** Whether the connection is still open (a closed one's backlog is dropped). */
      open: (conn: C) => boolean;
    },
  ) {}

  /** Handles `message` now, or after the step running for `conn`. */
  push(conn: C, message: M): void {
    const backlog = this.#backlogs.get(conn);
    if (!backlog) return this.options.dispatch(conn, message);
    if (backlog.length >= this.options.limit) {
      this.#backlogs.delete(conn);
      this.options.overflow(conn);
      return;
    }
    backlog.push(message);
  }

  /** Runs an asynchronous step for `conn`; `step` must not reject. */
  run(conn: C, step: () => Promise<void>): void {
    this.#backlogs.set(conn, this.#backlogs.get(conn) ?? []);
    const done = () => this.#resume(conn);
    step().then(done, done);
  }

  #resume(conn: C): void {
    const queued = this.#backlogs.get(conn) ?? [];
    this.#backlogs.delete(conn);
    while (queued.length > 0 && this.options.open(conn)) {
      this.options.dispatch(conn, queued.shift()!);
      // That message started another step: the rest wait for it in turn.
      const next = this.#backlogs.get(conn);
      if (next) {
        next.unshift(...queued);
        return;
      }
    }
  }
}
