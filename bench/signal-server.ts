/**
 * bench:signal server process: runs one of the compared servers on 127.0.0.1 (a free port)
 * and answers the parent's `stats` requests with its own CPU time and RSS (after a GC, when
 * started with --expose-gc). Usage: node signal-server.js lectern|peerjs|bare
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { PeerServer } from 'peer';
import { DEFAULTS, createLogger, startServer } from '@lectern/server';
import { LECTERN_BENCH_LIMITS, type ServerKind, type ServerReport } from './signal-load.js';

async function startLectern(): Promise<number> {
  const server = await startServer(
    {
      ...DEFAULTS,
      ...LECTERN_BENCH_LIMITS,
      // Pairs that only signal: no media plane.
      topology: 'mesh',
      maxParticipants: 6,
      port: 0,
      host: '127.0.0.1',
      http: true,
      qr: false,
      turn: false,
      webRoot: null,
      logLevel: 'warn',
      database: ':memory:',
      dataDir: await mkdtemp(join(tmpdir(), 'lectern-bench-')),
      maxRooms: 1_000_000,
      // The bench's clients do not ping; PeerJS gets the same (alive_timeout below).
      heartbeatTimeoutMs: 600_000,
    },
    createLogger('warn'),
  );
  return server.port;
}

function startPeerJs(): Promise<number> {
  return new Promise((resolve) => {
    PeerServer({ port: 0, host: '127.0.0.1', path: '/', key: 'peerjs', concurrent_limit: 1_000_000, alive_timeout: 600_000, expire_timeout: 5000 }, (server) => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The floor: pairs sockets by `?pair=` and forwards each frame to the partner, nothing else. */
function startBare(): Promise<number> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });
  const waiting = new Map<string, WebSocket>();
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const pair = new URL(req.url ?? '/', 'http://x').searchParams.get('pair') ?? '';
    ws.on('error', () => {});
    const other = waiting.get(pair);
    if (!other) {
      waiting.set(pair, ws);
      return;
    }
    waiting.delete(pair);
    ws.on('message', (data, isBinary) => other.send(data, { binary: isBinary }));
    other.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.send('{"type":"paired"}');
    other.send('{"type":"paired"}');
  });
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)));
}

const START: Record<ServerKind, () => Promise<number>> = { lectern: startLectern, peerjs: startPeerJs, bare: startBare };

const kind = process.argv[2] as ServerKind;
const send = (r: ServerReport): void => void process.send?.(r);
const port = await START[kind]();
process.on('message', (m: { cmd: string; gc?: boolean }) => {
  if (m.cmd !== 'stats') return;
  // Collect before reading RSS only; a GC inside a timed phase would be billed to it.
  if (m.gc) (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  send({ report: 'stats', cpuUs: cpu.user + cpu.system, rss: mem.rss, heap: mem.heapUsed + mem.external + mem.arrayBuffers });
});
process.on('disconnect', () => process.exit(0));
send({ report: 'ready', port });
