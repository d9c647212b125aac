import {
  ErrorCodes,
  LecternError,
  PROTOCOL_VERSION,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type ServerMessage,
  type ServerMessageOf,
} from '@lectern/protocol';
import { TypedEmitter } from './emitter.js';
import { systemClock, type Clock, type SignalTransport, type SignalTransportFactory } from './ports.js';
import { StateMachine } from './state.js';

/** Connection state of the signaling channel. */
export type SignalState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

const TABLE: Record<SignalState, readonly SignalState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'reconnecting', 'closed'],
  open: ['reconnecting', 'closed'],
  reconnecting: ['open', 'closed'],
  closed: [],
};

/** Events of {@link SignalClient}. */
export type SignalClientEvents = {
  stateChanged: [state: SignalState, previous: SignalState];
  /** A handshake completed (first time or after a reconnect). */
  welcome: [welcome: ServerMessageOf<'welcome'>, isReconnect: boolean];
  /** Any server message after the handshake. */
  message: [message: ServerMessage];
  /** The server said it is shutting down. */
  bye: [];
  /** A reconnect attempt is scheduled. */
  retry: [attempt: number, delayMs: number];
};

/** Settings for {@link SignalClient}. */
export interface SignalClientOptions {
  url: string;
  transport: SignalTransportFactory;
  clock?: Clock;
  /** Time to wait for a reply to a request. */
  requestTimeoutMs?: number;
  /** Backoff bounds for reconnects. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Token to present in `hello` to keep one's identity across reconnects. */
  resumeToken?: () => string | null;
  random?: () => number;
}

/** Options of {@link SignalClient.request}. */
export interface RequestOptions {
  /** A message that means "wait, the answer will come later": the request's timeout stops. */
  waitOn?: (m: ServerMessage) => boolean;
  /** Aborting rejects the request with INVALID_STATE. */
  signal?: AbortSignal;
}

/**
 * The client end of the signaling protocol: handshake, heartbeat, request/reply with
 * timeouts, and reconnection with jittered exponential backoff until closed.
 */
export class SignalClient extends TypedEmitter<SignalClientEvents> {
  readonly #sm: StateMachine<SignalState>;
  readonly #clock: Clock;
  #transport: SignalTransport | null = null;
  #attempt = 0;
  #retryTimer: unknown = null;
  #pingTimer: unknown = null;
  #lastHeard = 0;
  #heartbeatMs = 5000;
  #welcomedOnce = false;
  #firstOpen: { resolve: () => void; reject: (e: LecternError) => void } | null = null;
  #firstOpenPromise: Promise<void> | null = null;
  /** The handshake result of the current connection. */
  welcome: ServerMessageOf<'welcome'> | null = null;

  constructor(private readonly options: SignalClientOptions) {
    super();
    this.#clock = options.clock ?? systemClock;
    this.#sm = new StateMachine<SignalState>('idle', TABLE, (to, from) => this.emit('stateChanged', to, from));
  }

  get state(): SignalState {
    return this.#sm.state;
  }

  /** Connects and completes the handshake. Keeps retrying until it succeeds or `close()`. */
  connect(): Promise<void> {
    if (this.#sm.state === 'open') return Promise.resolve();
    if (this.#sm.state === 'closed') return Promise.reject(new LecternError(ErrorCodes.INVALID_STATE, 'the client is closed'));
    if (this.#firstOpenPromise) return this.#firstOpenPromise;
    const done = new Promise<void>((resolve, reject) => {
      this.#firstOpen = { resolve, reject };
    });
    this.#firstOpenPromise = done;
    if (this.#sm.state === 'idle') {
      this.#sm.transition('connecting');
      this.#open();
    }
    return done;
  }

  /** Sends a message when open; returns false when the channel is down. */
  send(message: ClientMessage): boolean {
    if (this.#sm.state !== 'open' || !this.#transport) return false;
    this.#transport.send(encodeMessage(message));
    return true;
  }

  /**
   * Sends `message` and resolves with the first server message that `match` accepts.
   * Rejects with the server's error, SIGNAL_TIMEOUT, or SERVER_UNREACHABLE if the channel drops.
   */
  request<T extends ServerMessage>(message: ClientMessage, match: (m: ServerMessage) => m is T, options: RequestOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cleanup = () => {
        offMessage();
        offState();
        options.signal?.removeEventListener('abort', onAbort);
        this.#clock.clearTimeout(timer);
      };
      const onAbort = () => {
        cleanup();
        reject(new LecternError(ErrorCodes.INVALID_STATE, `"${message.type}" was cancelled`));
      };
      options.signal?.addEventListener('abort', onAbort);
      const timer = this.#clock.setTimeout(() => {
        cleanup();
        reject(new LecternError(ErrorCodes.SIGNAL_TIMEOUT, `no reply to "${message.type}" from the server`));
      }, this.options.requestTimeoutMs ?? 10_000);
      const offMessage = this.on('message', (m) => {
        if (match(m)) {
          cleanup();
          resolve(m);
        } else if (m.type === 'error' && m.ref === message.type) {
          cleanup();
          reject(new LecternError(m.code, m.message));
        } else if (options.waitOn?.(m)) {
          // The server said the answer will take a while (a lobby): no deadline any more.
          this.#clock.clearTimeout(timer);
        }
      });
      const offState = this.on('stateChanged', (s) => {
        if (s !== 'open') {
          cleanup();
          reject(new LecternError(ErrorCodes.SERVER_UNREACHABLE, 'lost the connection to the server'));
        }
      });
      if (!this.send(message)) {
        cleanup();
        reject(new LecternError(ErrorCodes.SERVER_UNREACHABLE, 'not connected to the server'));
      }
    });
  }

  /** Closes for good. Idempotent. */
  close(): void {
    if (this.#sm.state === 'closed') return;
    this.#sm.transition('closed');
    this.#stopTimers();
    const t = this.#transport;
    this.#transport = null;
    t?.close(1000, 'closed by client');
    this.#firstOpen?.reject(new LecternError(ErrorCodes.INVALID_STATE, 'closed before connecting'));
    this.#firstOpen = null;
    this.removeAllListeners();
  }

  #open(): void {
    let transport: SignalTransport;
    try {
      transport = this.options.transport(this.options.url);
    } catch (err) {
      this.#lost();
      return;
    }
    this.#transport = transport;
    transport.onOpen = () => {
      const resume = this.options.resumeToken?.() ?? undefined;
      transport.send(encodeMessage(resume ? { type: 'hello', v: PROTOCOL_VERSION, resume } : { type: 'hello', v: PROTOCOL_VERSION }));
    };
    transport.onMessage = (text) => {
      if (this.#transport !== transport) return;
      this.#lastHeard = this.#clock.now();
      const decoded = decodeServerMessage(text);
      if (!decoded.ok) return; // unknown types from a newer server are ignored
      this.#onMessage(decoded.message);
    };
    transport.onClose = () => {
      if (this.#transport !== transport) return;
      this.#transport = null;
      this.#lost();
    };
  }

  #onMessage(message: ServerMessage): void {
    if (message.type === 'welcome') {
      this.welcome = message;
      this.#heartbeatMs = message.heartbeatMs;
      this.#attempt = 0;
      const again = this.#welcomedOnce;
      this.#welcomedOnce = true;
      this.#sm.transition('open');
      this.#startHeartbeat();
      this.emit('welcome', message, again);
      this.#firstOpen?.resolve();
      this.#firstOpen = null;
      return;
    }
    if (message.type === 'bye') this.emit('bye');
    if (message.type === 'error' && message.code === ErrorCodes.VERSION_MISMATCH) {
      // Retrying cannot help: the page and the server speak different versions.
      this.#firstOpen?.reject(new LecternError(message.code, message.message));
      this.#firstOpen = null;
      this.close();
      return;
    }
    if (this.#sm.state === 'open') this.emit('message', message);
  }

  #lost(): void {
    this.#stopTimers();
    if (this.#sm.state === 'closed') return;
    this.welcome = null;
    this.#sm.transition('reconnecting');
    const base = Math.min(this.options.maxBackoffMs ?? 5000, (this.options.minBackoffMs ?? 250) * 2 ** this.#attempt);
    const delay = Math.round(base * (0.5 + (this.options.random ?? Math.random)() * 0.5));
    this.#attempt++;
    this.emit('retry', this.#attempt, delay);
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#sm.state === 'reconnecting') this.#open();
    }, delay);
  }

  #startHeartbeat(): void {
    this.#lastHeard = this.#clock.now();
    this.#pingTimer = this.#clock.setInterval(() => {
      // Silence for three beats means the link is dead even if the socket has not noticed.
      if (this.#clock.now() - this.#lastHeard > this.#heartbeatMs * 3) {
        const t = this.#transport;
        this.#transport = null;
        t?.close(4000, 'heartbeat timeout');
        this.#lost();
        return;
      }
      this.send({ type: 'ping', t: this.#clock.now() });
    }, this.#heartbeatMs);
  }

  #stopTimers(): void {
    if (this.#pingTimer !== null) this.#clock.clearInterval(this.#pingTimer);
    if (this.#retryTimer !== null) this.#clock.clearTimeout(this.#retryTimer);
    this.#pingTimer = null;
    this.#retryTimer = null;
  }
}
