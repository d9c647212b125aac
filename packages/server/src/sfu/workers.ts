import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ErrorCodes, LecternError, type ServerMessage } from '@lectern/protocol';
import type { LecternConfig } from '../config.js';
import type { SfuClientMessage, SfuMediaPlane, SfuStats } from './sfu.js';
import type { SfuSendStats } from './send-path.js';
import type { SfuOptions } from './sfu-room.js';
import { WORKER_INIT_ENV, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));
/** A worker that crashes again within this long waits longer before the next start. */
const CRASH_WINDOW_MS = 30_000;
const MAX_RESTART_DELAY_MS = 5_000;
/** How long a worker gets to close its connections before it is killed. */
const CLOSE_GRACE_MS = 3_000;

export interface SfuWorkersOptions {
  /** One UDP port per worker; the worker count is the number of ports. */
  ports: number[];
  /** Everything but the port, as each worker's {@link Sfu} takes it. */
  sfu: Omit<SfuOptions, 'network'> & { network: Omit<SfuOptions['network'], 'port'> };
  logLevel: LecternConfig['logLevel'];
}

/** One worker process and the sessions it carries. */
interface Worker {
  index: number;
  port: number;
  child: ChildProcess | null;
  ready: boolean;
  /** Messages for a worker that is starting. */
  queue: ToWorker[];
  /** Session code → the participants whose media this worker carries. */
  sessions: Map<string, Set<string>>;
  crashes: number[];
  /** The counters the worker last reported. */
  counters: SfuSendStats;
}

const zero = (): SfuSendStats => ({ forwarded: 0, nacked: 0, retransmitted: 0, dropped: 0 });
function add(into: SfuSendStats, more: SfuSendStats): void {
  into.forwarded += more.forwarded;
  into.nacked += more.nacked;
  into.retransmitted += more.retransmitted;
  into.dropped += more.dropped;
}

/**
 * The SFU media plane in worker processes, one per core by default: each runs its own
 * {@link Sfu} on its own UDP port. A session lives on one worker (the least loaded when it
 * starts). A worker that dies is logged and started again; `onRestart` hears which sessions it
 * carried, so signaling can set their participants up again (on whichever worker takes them).
 */
export class SfuWorkers implements SfuMediaPlane {
  readonly #workers: Worker[];
  readonly #byCode = new Map<string, Worker>();
  /** Counters of worker processes that have ended, so totals never go backwards. */
  readonly #retired = zero();
  #closing: Promise<void> | null = null;

  constructor(
    private readonly options: SfuWorkersOptions,
    private readonly sendTo: (code: string, participantId: string, message: ServerMessage) => void,
    private readonly onRestart: (codes: string[]) => void,
    private readonly log: Logger,
  ) {
    if (options.ports.length === 0) throw new Error('SfuWorkers needs at least one port');
    this.#workers = options.ports.map((port, index) => ({ index, port, child: null, ready: false, queue: [], sessions: new Map(), crashes: [], counters: zero() }));
  }

  /** Starts every worker; resolves when all are ready, rejects if one cannot start. */
  async start(): Promise<void> {
    await Promise.all(this.#workers.map((w) => this.#spawn(w)));
  }

  /** Number of sessions with media at the SFU. */
  get size(): number {
    return this.#byCode.size;
  }

  /** The workers' process ids, by index (null while one restarts). */
  get pids(): (number | null)[] {
    return this.#workers.map((w) => w.child?.pid ?? null);
  }

  join(code: string, participantId: string): void {
    if (this.#closing) throw new LecternError(ErrorCodes.SERVER_BUSY, 'the server is shutting down');
    let w = this.#byCode.get(code);
    if (!w) {
      w = this.#leastLoaded();
      this.#byCode.set(code, w);
      w.sessions.set(code, new Set());
    }
    w.sessions.get(code)!.add(participantId);
    this.#post(w, { op: 'join', code, participantId });
  }

  leave(code: string, participantId: string): void {
    const w = this.#byCode.get(code);
    if (!w) return;
    const members = w.sessions.get(code)!;
    if (!members.delete(participantId)) return;
    this.#post(w, { op: 'leave', code, participantId });
    if (members.size === 0) {
      w.sessions.delete(code);
      this.#byCode.delete(code);
    }
  }

  setForcedOff(code: string, participantId: string, off: { audio: boolean; video: boolean }): void {
    const w = this.#byCode.get(code);
    if (w?.sessions.get(code)?.has(participantId)) this.#post(w, { op: 'forced-off', code, participantId, off });
  }

  handle(code: string, participantId: string, message: SfuClientMessage): void {
    const w = this.#byCode.get(code);
    if (!w?.sessions.get(code)?.has(participantId)) throw new LecternError(ErrorCodes.NOT_ALLOWED, 'this session does not use the SFU');
    this.#post(w, { op: 'signal', code, participantId, message });
  }

  stats(): SfuStats {
    const total = { ...this.#retired };
    for (const w of this.#workers) add(total, w.counters);
    return { sessions: this.#byCode.size, ...total };
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#workers.map((w) => this.#stop(w))).then(() => undefined);
    return this.#closing;
  }

  #leastLoaded(): Worker {
    const load = (w: Worker) => [...w.sessions.values()].reduce((n, s) => n + s.size, 0) + (w.ready ? 0 : 0.5);
    return this.#workers.reduce((best, w) => (load(w) < load(best) ? w : best));
  }

  #post(w: Worker, m: ToWorker): void {
    if (w.ready && w.child?.connected) w.child.send(m);
    else w.queue.push(m);
  }

  #spawn(w: Worker): Promise<void> {
    const init: WorkerInit = {
      index: w.index,
      options: { ...this.options.sfu, network: { ...this.options.sfu.network, port: w.port } },
      logLevel: this.options.logLevel,
    };
    const child = fork(WORKER_MAIN, [], { env: { ...process.env, [WORKER_INIT_ENV]: JSON.stringify(init) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    w.child = child;
    w.ready = false;
    return new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromWorker) => {
        if (m.op === 'ready') {
          w.ready = true;
          for (const queued of w.queue.splice(0)) child.send(queued);
          resolve();
          return;
        }
        this.#fromWorker(w, m);
      });
      child.once('error', (err) => this.log.error({ err, worker: w.index }, 'SFU worker process error'));
      child.once('exit', (exitCode, signal) => {
        if (w.child === child) w.child = null;
        add(this.#retired, w.counters);
        w.counters = zero();
        if (!w.ready) reject(new Error(`SFU worker ${w.index} exited before it was ready (${signal ?? exitCode})`));
        w.ready = false;
        if (!this.#closing) this.#died(w, exitCode, signal);
      });
    });
  }

  #fromWorker(w: Worker, m: FromWorker): void {
    switch (m.op) {
      case 'ready':
        return; // handled where the worker is started
      case 'stats':
        w.counters = m.stats;
        return;
      case 'send':
        return this.sendTo(m.code, m.participantId, m.message);
      case 'refused':
        return this.sendTo(m.code, m.participantId, { type: 'error', code: m.error.code, message: m.error.message, ref: m.ref });
    }
  }

  /** A worker died: its sessions move on, and it starts again (later, if it keeps dying). */
  #died(w: Worker, exitCode: number | null, signal: NodeJS.Signals | null): void {
    const codes = [...w.sessions.keys()];
    for (const code of codes) this.#byCode.delete(code);
    w.sessions.clear();
    w.queue = [];
    const now = Date.now();
    w.crashes = [...w.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** (w.crashes.length - 1)) * (w.crashes.length > 1 ? 1 : 0);
    this.log.error({ worker: w.index, exitCode, signal, sessions: codes.length, restartInMs: delay }, 'SFU worker died; restarting it and its sessions');
    const restart = setTimeout(() => {
      if (this.#closing) return;
      this.#spawn(w).catch((err: unknown) => this.log.error({ err, worker: w.index }, 'SFU worker could not start again'));
    }, delay);
    restart.unref();
    // The sessions go to whichever worker is least loaded now (this one queues until it is back).
    if (codes.length > 0) this.onRestart(codes);
  }

  async #stop(w: Worker): Promise<void> {
    const child = w.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ op: 'close' } satisfies ToWorker);
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
