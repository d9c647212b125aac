import type { Logger } from 'pino';
/**
 * Helpers for the live tests (a real server on 127.0.0.1, port 0, and `ws` clients). Named
 * *.test.ts only because test code lives in such files; it registers no tests itself.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, decodeServerMessage, type ServerMessage, type ServerMessageOf } from '@lectern/protocol';
import { DEFAULTS, type LecternConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type LecternServer } from './server.js';

export const WAIT_MS = 3000;

/** Polls `cond` until it holds; fails after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the promise's value, or rejects once `timeoutMs` passes. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface CloseInfo {
  code: number;
  reason: string;
}

type Waiter = { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void; reject: (e: Error) => void; what: string };

/** A signaling client that validates every server frame against the protocol schemas. */
export class TestClient {
  /** Every message received, in order. */
  readonly log: ServerMessage[] = [];
  /** Frames that did not decode as server messages (a test failure). */
  readonly invalid: string[] = [];
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | null = null;
  participantId = '';
  /** Host keys of the sessions this client created; its first join of one carries the key. */
  readonly hostKeys = new Map<string, string>();
  #queue: ServerMessage[] = [];
  #waiters: Waiter[] = [];
  #pingSeq = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : (data as Buffer).toString('utf8');
      const decoded = decodeServerMessage(text);
      if (!decoded.ok) {
        this.invalid.push(text);
        for (const w of this.#waiters.splice(0)) w.reject(new Error(`server sent an invalid frame: ${text.slice(0, 200)} (${decoded.message})`));
        return;
      }
      this.log.push(decoded.message);
      const i = this.#waiters.findIndex((w) => w.match(decoded.message));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(decoded.message);
      else this.#queue.push(decoded.message);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.#waiters.splice(0)) w.reject(new Error(`socket closed (${code}) while waiting for ${w.what}`));
        resolve(this.closeInfo);
      });
    });
    ws.on('error', () => {});
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const client = new TestClient(ws);
    return within(
      new Promise<TestClient>((resolve, reject) => {
        ws.once('open', () => resolve(client));
        ws.once('error', reject);
      }),
      `connect ${url}`,
    );
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next not-yet-consumed message of `type` (matching `pred`), waiting up to the deadline. */
  next<T extends ServerMessage['type']>(type: T, pred: (m: ServerMessageOf<T>) => boolean = () => true, timeoutMs = WAIT_MS): Promise<ServerMessageOf<T>> {
    const match = (m: ServerMessage): boolean => m.type === type && pred(m as ServerMessageOf<T>);
    return this.nextMatching(match, `"${type}"`, timeoutMs) as Promise<ServerMessageOf<T>>;
  }

  /** The next not-yet-consumed message for which `match` holds. */
  nextMatching(match: (m: ServerMessage) => boolean, what: string, timeoutMs = WAIT_MS): Promise<ServerMessage> {
    const i = this.#queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0]!);
    if (this.invalid.length > 0) return Promise.reject(new Error(`server sent an invalid frame: ${this.invalid[0]}`));
    const label = `${what} on ${this.participantId || 'a client'}`;
    if (this.closeInfo) return Promise.reject(new Error(`socket already closed (${this.closeInfo.code}) while waiting for ${label}`));
    return new Promise<ServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; unconsumed: ${JSON.stringify(this.#queue).slice(0, 500)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        what: label,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Unconsumed messages of `type` (for "nothing else arrived" checks after a round trip). */
  pending(type?: ServerMessage['type']): ServerMessage[] {
    return this.#queue.filter((m) => type === undefined || m.type === type);
  }

  /** Takes every unconsumed message (to start a check from a clean slate). */
  drain(): ServerMessage[] {
    return this.#queue.splice(0);
  }

  /** Ping/pong round trip: everything the server sent before the pong has arrived. */
  async roundTrip(): Promise<void> {
    const t = 1e9 + ++this.#pingSeq;
    this.send({ type: 'ping', t });
    await this.next('pong', (m) => m.t === t);
  }

  async hello(resume?: string): Promise<ServerMessageOf<'welcome'>> {
    this.send(resume === undefined ? { type: 'hello', v: PROTOCOL_VERSION } : { type: 'hello', v: PROTOCOL_VERSION, resume });
    const welcome = await this.next('welcome');
    this.participantId = welcome.participantId;
    return welcome;
  }

  async create(): Promise<string> {
    this.send({ type: 'create' });
    const created = await this.next('created');
    this.hostKeys.set(created.code, created.hostKey);
    return created.code;
  }

  join(code: string, name: string, media = { muted: false, cameraOff: false }): void {
    const hostKey = this.hostKeys.get(code);
    this.send(hostKey ? { type: 'join', code, name, media, hostKey } : { type: 'join', code, name, media });
  }

  async joined(code: string, name: string, media = { muted: false, cameraOff: false }): Promise<ServerMessageOf<'joined'>> {
    this.join(code, name, media);
    const reply = await this.nextMatching((m) => m.type === 'joined' || m.type === 'join-error', '"joined"');
    if (reply.type !== 'joined') assert.fail(`expected joined, got ${JSON.stringify(reply)}`);
    return reply;
  }

  /** Closes the socket and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await within(this.closed, 'client close').catch(() => this.ws.terminate());
  }
}

/** A running server for one test, with its clients and temp data dir cleaned up by stop(). */
export class Live {
  readonly clients: TestClient[] = [];
  private constructor(
    readonly server: LecternServer,
    readonly config: LecternConfig,
    private readonly ownsDir: boolean,
  ) {}

  static async start(overrides: Partial<LecternConfig> = {}, logger: Logger = createLogger('silent')): Promise<Live> {
    const ownsDir = overrides.dataDir === undefined;
    const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'lectern-live-')));
    const config: LecternConfig = {
      ...DEFAULTS,
      port: 0,
      host: '127.0.0.1',
      http: true,
      logLevel: 'silent',
      qr: false,
      webRoot: null,
      turnPort: 0,
      turnTlsPort: 0,
      // Signaling tests run peer to peer (6 a session) unless they ask for the SFU.
      topology: 'mesh',
      maxParticipants: 6,
      sfuPort: 0,
      // Every test client comes from 127.0.0.1, and one server serves a whole file of tests.
      maxConnectionsPerIp: 1000,
      ...overrides,
      dataDir,
    };
    const server = await startServer(config, logger);
    return new Live(server, config, ownsDir);
  }

  get port(): number {
    return this.server.port;
  }

  get httpUrl(): string {
    return `${this.server.scheme}://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `${this.server.scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${this.port}/ws`;
  }

  async client(options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const c = await TestClient.connect(this.wsUrl, options);
    this.clients.push(c);
    return c;
  }

  /** A client that has completed the handshake. */
  async ready(): Promise<TestClient> {
    const c = await this.client();
    await c.hello();
    return c;
  }

  /**
   * A session with `names.length` members: returns the clients in join order and the code, with
   * each one's chat history and the participant-joined notices consumed, so tests see only
   * what they cause.
   */
  async session(names: string[]): Promise<{ code: string; clients: TestClient[] }> {
    const clients: TestClient[] = [];
    let code = '';
    for (const name of names) {
      const c = await this.ready();
      if (!code) code = await c.create();
      await c.joined(code, name);
      await c.next('chat-history');
      await c.next('room-state');
      clients.push(c);
    }
    for (let i = 0; i < clients.length; i++) {
      for (let j = i + 1; j < clients.length; j++) await clients[i]!.next('participant-joined', (m) => m.participant.id === clients[j]!.participantId);
    }
    return { code, clients };
  }

  /** Closes clients and server; removes the data dir when this instance made it. */
  async stop(removeDir = this.ownsDir): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    await this.server.close();
    if (removeDir) await rm(this.config.dataDir, { recursive: true, force: true });
  }
}

/**
 * A hand-rolled WebSocket client over a TCP socket: it never answers a close frame by itself,
 * which lets a test keep talking to the server after the server has started closing.
 */
export class RawSocketClient {
  readonly texts: string[] = [];
  closeCode: number | null = null;
  #buffer = Buffer.alloc(0);
  #listeners: Array<() => void> = [];

  private constructor(readonly socket: Socket) {}

  static async connect(port: number): Promise<RawSocketClient> {
    const socket = netConnect({ host: '127.0.0.1', port });
    const client = new RawSocketClient(socket);
    socket.on('error', () => {});
    await within(new Promise<void>((r) => socket.once('connect', () => r())), 'tcp connect');
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let head = Buffer.alloc(0);
    await within(
      new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.off('data', onData);
          if (!head.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade failed: ${head.toString()}`));
          socket.on('data', (c: Buffer) => client.#onData(c));
          if (head.length > end + 4) client.#onData(head.subarray(end + 4));
          resolve();
        };
        socket.on('data', onData);
      }),
      'websocket upgrade',
    );
    return client;
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) break;
      const opcode = b[0]! & 0x0f;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + len) break;
      const payload = b.subarray(at, at + len);
      this.#buffer = b.subarray(at + len);
      if (opcode === 0x1) this.texts.push(payload.toString('utf8'));
      if (opcode === 0x8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
    for (const l of this.#listeners.splice(0)) l();
  }

  /** Sends one masked text frame. */
  sendText(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    assert.ok(payload.length < 65536);
    const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  /** Waits until `cond` holds, re-checking whenever a frame arrives. */
  async until(cond: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (cond()) resolve();
          else this.#listeners.push(check);
        };
        check();
      }),
      what,
      timeoutMs,
    );
  }

  destroy(): void {
    this.socket.destroy();
  }
}
