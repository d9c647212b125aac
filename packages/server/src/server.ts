import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, warmUpCodec, type ServerMessage } from '@lectern/protocol';
import { messageBurstFor, type LecternConfig } from './config.js';
import { ensureDataDir, ensureSelfSignedCertificate, ensureServerSecret, ensureTurnSecret, type TlsMaterial } from './data-dir.js';
import { iceServersFor, type IceServerSource } from './turn/ice-servers.js';
import { startTurn } from './turn/start.js';
import type { TurnServer } from './turn/listeners.js';
import { ChatService } from './chat/chat-service.js';
import { ChatStore } from './chat/chat-store.js';
import { createRequestHandler } from './http.js';
import { RoomRegistry } from './rooms/registry.js';
import { CloseCodes, Connection, type FloodLog } from './signaling/connection.js';
import { ConnectionAdmission } from './signaling/limits.js';
import { ResumeTokens } from './signaling/resume-token.js';
import { SignalingService } from './signaling/service.js';
import { openDatabase } from './store/database.js';
import { Sfu, type SfuMediaPlane } from './sfu/sfu.js';
import { SfuWorkers } from './sfu/workers.js';
import { freeUdpPort, localAddresses, udpPortUsable } from './network.js';
import { fromSocket, type TransportAddress } from './turn/attributes.js';
import { AccessControl } from './access/access-control.js';
import { JoinAttemptLimiter } from './access/attempt-limiter.js';
import { ClassRoomStore } from './access/class-rooms.js';
import { SessionPasswordStore } from './access/session-passwords.js';
import { loadJoinTokenVerifier } from './access/join-token-config.js';
import { originAllowed } from './access/origin.js';
import { clientAddress } from './access/client-address.js';

/** A running Lectern server. */
export interface LecternServer {
  readonly port: number;
  readonly scheme: 'http' | 'https';
  /** Base URL on loopback, e.g. `https://localhost:9000/`. */
  readonly url: string;
  /** The certificate in use (PEM), when serving HTTPS. */
  readonly certificate: string | null;
  /** The built-in STUN/TURN relay, when it runs (ports, counters). */
  readonly turn: TurnServer | null;
  /** Graceful stop: tells clients, closes sockets, stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Starts a server: HTTP(S) + WebSocket on one port. */
export async function startServer(config: LecternConfig, log: Logger): Promise<LecternServer> {
  await ensureDataDir(config.dataDir);
  const secret = await ensureServerSecret(config.dataDir);
  const tls = config.http ? null : await loadTls(config, log);
  const db = openDatabase(config.database ?? join(config.dataDir, 'lectern.sqlite'));
  const chatStore = new ChatStore(db, { maxPerRoom: config.chatHistoryMax, maxAgeMs: config.chatHistoryHours * 3_600_000 });
  const classRooms = new ClassRoomStore(db, config.classRoomIdleDays * 86_400_000);
  const tokens = await loadJoinTokenVerifier(config).catch((err: unknown) => {
    db.close();
    throw err;
  });

  const rooms = new RoomRegistry({
    isReserved: (code) => classRooms.has(code),
    maxParticipants: config.maxParticipants,
    maxRooms: config.maxRooms,
    emptyRoomTtlMs: config.emptyRoomTtlMs,
    topology: { mode: config.topology, threshold: config.sfuThreshold },
  });
  const turnSecret = config.turnSecret ?? (await ensureTurnSecret(config.dataDir));
  // The SFU's port is chosen first: the relay lets relay-only browsers reach it (and nothing else here).
  const sfuBind = config.host === '::' || config.host === '0.0.0.0' ? undefined : config.host;
  const sfuPorts = config.topology === 'mesh' ? [] : await chooseSfuPorts(config, sfuBind);
  const sfuServices = sfuPorts.flatMap((port) => sfuAddresses(sfuBind, port));
  const turn = config.turn && config.turnUrl.length === 0 ? await startTurn(config, turnSecret, tls, secret, log.child({ component: 'turn' }), sfuServices) : null;
  const iceSource: IceServerSource =
    config.turnUrl.length > 0 ? { kind: 'external', urls: config.turnUrl, secret: turnSecret, ttlS: config.turnCredentialTtlS } :
    turn ? { kind: 'builtin', ports: turn.ports, secret: turnSecret, ttlS: config.turnCredentialTtlS } :
    { kind: 'none' };
  let sfu: SfuMediaPlane | null = null;
  if (sfuPorts.length > 0) {
    const sfuOptions = { network: sfuBind ? { bindAddress: sfuBind } : {}, lastN: config.lastN, audioSlots: 3, testLoss: config.sfuTestLoss };
    const sendTo = (code: string, id: string, m: ServerMessage) => signaling.sendTo(code, id, m);
    const sfuLog = log.child({ component: 'sfu' });
    if (config.sfuWorkers === 0) {
      sfu = new Sfu({ ...sfuOptions, network: { ...sfuOptions.network, port: sfuPorts[0]! } }, sendTo, sfuLog);
    } else {
      const workers = new SfuWorkers({ ports: sfuPorts, sfu: sfuOptions, logLevel: config.logLevel }, sendTo, (codes) => signaling.sfuRestarted(codes), sfuLog);
      sfu = workers;
      try {
        await workers.start();
      } catch (err) {
        await workers.close();
        await turn?.close();
        db.close();
        throw err;
      }
    }
    log.info({ ports: sfuPorts, workers: config.sfuWorkers }, 'SFU media on UDP');
  }
  const signaling: SignalingService = new SignalingService(
    rooms,
    new ResumeTokens(secret),
    {
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      iceServers: ({ participantId, host }) => iceServersFor(iceSource, participantId, host, config.host),
    },
    log.child({ component: 'signaling' }),
    new ChatService(chatStore, log.child({ component: 'chat' })),
    sfu,
    new AccessControl(rooms, {
      limiter: new JoinAttemptLimiter({
        perIpSession: config.joinLimitIpSession,
        perIp: config.joinLimitIp,
        perSession: config.joinLimitSession,
        windowMs: config.joinLimitWindowS * 1000,
      }),
      tokens,
      classRooms,
      sessionPasswords: new SessionPasswordStore(db),
      maxClassRooms: config.maxClassRooms,
      creations: new JoinAttemptLimiter({ perIp: config.classRoomsPerIp, perIpSession: config.classRoomsPerIp, perSession: config.classRoomsPerIp, windowMs: 86_400_000 }),
      maxParticipants: config.maxParticipants,
    }),
  );
  const startedAt = Date.now();
  const handler = createRequestHandler(config.webRoot, {
    health: () => ({
      version: PROTOCOL_VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      sessions: rooms.size,
      connections: signaling.connections.size,
      ...(turn ? { turn: turn.counters } : {}),
      ...(sfu ? { sfu: sfu.stats() } : {}),
    }),
  });
  const http: HttpServer = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  http.headersTimeout = 20_000;
  http.requestTimeout = 30_000;

  // One message per socket per event-loop turn (allowSynchronousEvents off): a socket with a
  // buffer full of frames (a flooder) cannot make every other socket wait behind all of them,
  // and while its frames wait, ws stops reading it, so TCP holds the rest back at the sender.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false, allowSynchronousEvents: false });
  const admission = new ConnectionAdmission({ perIp: config.maxConnectionsPerIp, total: config.maxConnections });
  const rate = { ratePerS: config.messageRate, burst: messageBurstFor(config) };
  const floodLog: FloodLog = { at: -Infinity, unlogged: 0 };
  let nextConn = 0;
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', destroySocket);
    const remote = clientAddress(req, config.trustProxy);
    // Cross-site WebSocket hijacking: a page from a foreign origin is refused before the upgrade.
    if (!originAllowed(req.headers.origin, req.headers.host, { allowed: config.allowedOrigins, publicUrl: config.publicUrl })) {
      log.info({ origin: req.headers.origin, remote }, 'websocket from a foreign origin refused');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 29\r\n\r\nthis origin may not connect\r\n');
      return;
    }
    // Refused before the upgrade: a flood of sockets costs no WebSocket state at all.
    const refusal = admission.track(socket, remote);
    if (refusal) {
      log.debug({ remote, refusal }, 'connection refused');
      admission.refuse(socket, refusal);
      return;
    }
    // Read here, not in the callback: nothing long-lived may close over `req` (it would keep
    // the whole request, headers and all, for the life of the connection).
    const requestHost = req.headers.host ?? (req.socket.localAddress ? `[${req.socket.localAddress}]` : null);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, remote, log.child({ conn: ++nextConn }), signaling, { rate, admission, floodLog });
      conn.requestHost = requestHost;
      signaling.add(conn);
      conn.log.debug({ remote }, 'connection opened');
    });
  });
  http.on('clientError', (_err, socket) => socket.destroy());

  // The first join would otherwise pay for building the validators.
  warmUpCodec();
  const port = await listen(http, config.port, config.host).catch(async (err: unknown) => {
    await turn?.close();
    await sfu?.close();
    db.close();
    throw err;
  });
  const scheme = tls ? 'https' : 'http';
  let closing: Promise<void> | null = null;

  return {
    port,
    scheme,
    url: `${scheme}://localhost:${port}/`,
    certificate: tls?.cert ?? null,
    turn,
    close() {
      closing ??= (async () => {
        signaling.shutdown();
        rooms.close();
        await Promise.all([turn?.close(), sfu?.close()]);
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeIdleConnections();
          setTimeout(() => {
            http.closeAllConnections();
            resolve();
          }, 1500).unref();
        });
        wss.close();
        db.close();
      })();
      return closing;
    },
  };
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

async function loadTls(config: LecternConfig, log: Logger): Promise<TlsMaterial> {
  if (config.certFile && config.keyFile) {
    const [cert, key] = await Promise.all([readFile(config.certFile, 'utf8'), readFile(config.keyFile, 'utf8')]);
    return { cert, key };
  }
  return ensureSelfSignedCertificate(config.dataDir, log);
}

function listen(server: HttpServer, port: number, host: string): Promise<number> {
  const attempt = (h: string) =>
    new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => {
        server.off('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ port, host: h });
    });
  return attempt(host).catch((err: NodeJS.ErrnoException) => {
    // Machines with IPv6 turned off cannot bind "::"; fall back to every IPv4 address.
    if (host === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) return attempt('0.0.0.0');
    throw err;
  });
}

export { CloseCodes };

/** One UDP port per SFU worker: --sfu-port and the ones after it, or free ones. */
async function chooseSfuPorts(config: LecternConfig, bindAddress: string | undefined): Promise<number[]> {
  const count = Math.max(1, config.sfuWorkers);
  if (config.sfuPort > 0) {
    const ports = Array.from({ length: count }, (_, i) => config.sfuPort + i);
    for (const port of ports) {
      // libdatachannel would only fail at the first call; say it now, in one line.
      await udpPortUsable(port, bindAddress).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`UDP port ${port} for SFU media is ${err.code === 'EADDRINUSE' ? 'already in use' : `unusable (${err.code ?? err.message})`} (choose others with --sfu-port, or --topology mesh)`);
      });
    }
    return ports;
  }
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freeUdpPort(bindAddress);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** Where the SFU takes media: its port on the bound address, or on every local one. */
function sfuAddresses(bindAddress: string | undefined, port: number): TransportAddress[] {
  const ips = bindAddress ? [bindAddress] : ['127.0.0.1', '::1', ...localAddresses().map((a) => a.address)];
  return [...new Set(ips)].map((ip) => fromSocket(ip, port)).filter((a): a is TransportAddress => a !== null);
}
