/**
 * bench:sfu rig: the Lectern server in its own process (SFU forced), the load generator
 * processes, and a signaling probe: a WebSocket of its own in this (otherwise idle) process
 * that creates the sessions and pings the server 4 times a second to measure the signaling round
 * trip under media load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { spawnServer, type ServerProcess } from '@lectern/testing';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '@lectern/protocol';
import { Histogram } from './signal-load.js';
import type { GeneratorCommand, GeneratorReport } from './sfu-generator.js';
import { nextReport } from './child-report.js';

/**
 * The probe never joins a session, so it draws on the server's pre-join message budget (a tenth
 * of the joined one: 5 per second by default): 4 pings a second leave room for its `create`s.
 */
const PROBE_PING_MS = 250;

/** A generator's answer of one kind to `command`; its failure or exit rejects. */
export function ask<K extends GeneratorReport['report']>(child: ChildProcess, command: GeneratorCommand, kind: K): Promise<Extract<GeneratorReport, { report: K }>> {
  return nextReport(child, [kind], command, 'load generator');
}

/** The probe socket: creates sessions, measures ping → pong. */
class SignalProbe {
  rtt = new Histogram();
  readonly #ws: WebSocket;
  #waiters: Array<(m: ServerMessage) => boolean> = [];
  #timer: NodeJS.Timeout | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const d = decodeServerMessage(String(data));
      if (!d.ok) return;
      if (d.message.type === 'pong') this.rtt.add(performance.now() - d.message.t);
      this.#waiters = this.#waiters.filter((w) => !w(d.message));
    });
  }

  static async open(url: string): Promise<SignalProbe> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const probe = new SignalProbe(ws);
    await probe.#request({ type: 'hello', v: PROTOCOL_VERSION }, (m) => (m.type === 'welcome' ? true : undefined));
    probe.#timer = setInterval(() => probe.#send({ type: 'ping', t: performance.now() }), PROBE_PING_MS);
    return probe;
  }

  /** A new session's code (nobody is in it until the generators join). */
  createSession(): Promise<string> {
    return this.#request({ type: 'create' }, (m) => (m.type === 'created' ? m.code : undefined));
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#ws.close();
  }

  #send(m: ClientMessage): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(encodeMessage(m));
  }

  #request<T>(m: ClientMessage, pick: (m: ServerMessage) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${m.type}`)), 15_000);
      this.#waiters.push((reply) => {
        const v = pick(reply);
        if (v === undefined) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      });
      this.#send(m);
    });
  }
}

/** Server, generators and probe for one run. */
export interface Rig {
  server: ServerProcess;
  dataDir: string;
  wsUrl: string;
  generators: ChildProcess[];
  probe: SignalProbe;
}

/** Starts the server (SFU forced, limits raised for one address), the generators and the probe. */
export async function openRig(options: { generators: number; lastN: number; sfuWorkers: number | null }): Promise<Rig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lectern-bench-sfu-'));
  const server = await spawnServer([
    '--http', '--host', '127.0.0.1', '--port', '0', '--topology', 'sfu', '--sfu-port', '0', '--no-turn',
    '--last-n', String(options.lastN), '--max-participants', '50', '--data-dir', dataDir, '--database', ':memory:',
    // Every synthetic participant comes from 127.0.0.1.
    '--max-connections-per-ip', '100000', '--max-connections', '100000', '--max-rooms', '100000',
    // The server's default (one media worker process per core) unless told.
    ...(options.sfuWorkers === null ? [] : ['--sfu-workers', String(options.sfuWorkers)]),
  ], { LECTERN_LOG_LEVEL: 'info' });
  const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  const here = fileURLToPath(new URL('./sfu-generator.js', import.meta.url));
  const generators = Array.from({ length: options.generators }, () => fork(here, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  for (const g of generators) {
    g.on('error', () => {}); // a send to a dead generator; its exit rejects the request
    g.on('exit', (code, signal) => {
      if (code !== 0) console.error(`load generator ${g.pid} exited (code ${code}, signal ${signal})`);
    });
  }
  const probe = await SignalProbe.open(wsUrl).catch(async (err: unknown) => {
    for (const g of generators) g.kill();
    await server.kill();
    throw err;
  });
  return { server, dataDir, wsUrl, generators, probe };
}

export async function closeRig(rig: Rig): Promise<void> {
  rig.probe.close();
  for (const g of rig.generators) if (g.connected) g.disconnect();
  await rig.server.kill('SIGTERM');
  await rm(rig.dataDir, { recursive: true, force: true });
}
