import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createServer as createTlsServer } from 'node:tls';
import type { ClientLink, ClientTransport } from './allocation.js';
import { addressKey, fromSocket } from './attributes.js';
import { StreamFramer, isChannelData } from './framing.js';
import { literalLookup } from './relay-socket.js';
import { TurnCore, linkKey, type TurnCoreOptions, type TurnCounters } from './turn-server.js';

/** Where the relay listens. Port 0 picks a free one (tests); null turns a listener off. */
export interface TurnListenOptions {
  /** Listen addresses; `::` or `0.0.0.0` means every local address. */
  hosts: string[];
  udpPort: number | null;
  tcpPort: number | null;
  tlsPort: number | null;
  /** Certificate for TURN over TLS (the HTTPS server's). */
  tls: { cert: string; key: string } | null;
}

/** The bound ports, once listening. */
export interface TurnPorts {
  udp: number | null;
  tcp: number | null;
  tls: number | null;
}

/** A stream carrying more than this unsent is too slow for media; what does not fit is dropped. */
const MAX_STREAM_BACKLOG = 1 << 20;
/** A TCP/TLS client that has not allocated in this long is closed. */
const IDLE_STREAM_MS = 60_000;

/**
 * The built-in STUN/TURN relay: UDP, TCP and TLS listeners in front of one {@link TurnCore}.
 * UDP sockets bind each local address separately so every datagram's local address, which
 * becomes the relayed address, is known.
 */
export class TurnServer {
  readonly core: TurnCore;
  #udp: UdpSocket[] = [];
  #streams: TcpServer[] = [];
  #sockets = new Set<Socket>();
  #sweep: NodeJS.Timeout | null = null;
  ports: TurnPorts = { udp: null, tcp: null, tls: null };

  constructor(
    options: TurnCoreOptions,
    private readonly listen: TurnListenOptions,
  ) {
    this.core = new TurnCore({
      ...options,
      localAddresses: () => this.#udp.map((s) => fromSocket(s.address().address, s.address().port)).filter((a) => a !== null),
    });
  }

  /** Active allocations, relayed bytes and drops. */
  get counters(): TurnCounters {
    return this.core.counters;
  }

  async start(): Promise<TurnPorts> {
    try {
      const { hosts } = this.listen;
      if (this.listen.udpPort !== null) {
        let port = this.listen.udpPort;
        for (const address of expandWildcards(hosts)) {
          const socket = await this.#bindUdp(address, port);
          port = socket.address().port; // the other addresses share the first one's port
          this.ports.udp ??= port;
        }
      }
      if (this.listen.tcpPort !== null) this.ports.tcp = await this.#listenStream('tcp', this.listen.tcpPort);
      if (this.listen.tlsPort !== null && this.listen.tls) this.ports.tls = await this.#listenStream('tls', this.listen.tlsPort);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.#sweep = setInterval(() => this.core.sweep(), 5000);
    this.#sweep.unref();
    return this.ports;
  }

  /** Stops listening and frees every relay. Idempotent. */
  async close(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    this.core.close();
    for (const s of this.#udp) s.close();
    this.#udp = [];
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await Promise.all(this.#streams.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.#streams = [];
  }

  #bindUdp(address: string, port: number): Promise<UdpSocket> {
    const v6 = address.includes(':');
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup as never });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port }, () => {
        socket.off('error', reject);
        socket.on('error', () => {}); // ICMP errors from peers and the like: nothing to do
        const local = fromSocket(address, socket.address().port)!;
        const localKey = addressKey(local); // formatted once, not per datagram
        socket.on('message', (data, rinfo) => {
          const key = linkKey('udp', rinfo.address, rinfo.port, localKey);
          if (isChannelData(data)) return this.core.channelData(key, data); // the hot path: no objects
          const remote = fromSocket(rinfo.address, rinfo.port);
          if (!remote) return;
          const link: ClientLink = { key, transport: 'udp', remote, local, send: (b) => socket.send(b, rinfo.port, rinfo.address) };
          void this.core.handle(link, data);
        });
        this.#udp.push(socket);
        resolve(socket);
      });
    });
  }

  #listenStream(transport: 'tcp' | 'tls', port: number): Promise<number> {
    const onConnection = (socket: Socket) => this.#stream(transport, socket);
    const server =
      transport === 'tls'
        ? createTlsServer({ cert: this.listen.tls!.cert, key: this.listen.tls!.key, handshakeTimeout: 10_000 }, onConnection)
        : createTcpServer(onConnection);
    server.on('tlsClientError', () => {}); // a failed handshake is the client's problem
    server.on('error', () => {});
    server.maxConnections = 10_000;
    this.#streams.push(server);
    const host = this.listen.hosts.length === 1 ? this.listen.hosts[0]! : '::';
    const attempt = (h: string) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host: h }, () => {
          server.off('error', reject);
          resolve((server.address() as { port: number }).port);
        });
      });
    // Machines with IPv6 turned off cannot bind "::"; fall back to every IPv4 address.
    return attempt(host).catch((err: NodeJS.ErrnoException) => {
      if (host === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) return attempt('0.0.0.0');
      throw err;
    });
  }

  #stream(transport: ClientTransport, socket: Socket): void {
    const remote = fromSocket(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    const local = fromSocket(socket.localAddress ?? '', socket.localPort ?? 0);
    if (!remote || !local) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const link: ClientLink = {
      key: linkKey(transport, socket.remoteAddress!, socket.remotePort!, local),
      transport,
      remote,
      local,
      send: (b) => {
        if (!socket.destroyed && socket.writableLength < MAX_STREAM_BACKLOG) socket.write(b);
      },
    };
    let allocated = false;
    socket.setTimeout(IDLE_STREAM_MS, () => {
      if (!allocated) socket.destroy();
    });
    const framer = new StreamFramer();
    socket.on('data', (chunk: Buffer) => {
      const frames = framer.push(chunk);
      if (!frames) {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        void Promise.resolve(this.core.handle(link, frame)).then(() => {
          if (!allocated && this.core.hasAllocation(link)) {
            allocated = true;
            socket.setTimeout(0);
          }
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.core.clientGone(link);
    });
  }
}

/** `::`/`0.0.0.0` → every local address (link-local IPv6 left out: it needs a scope). */
function expandWildcards(hosts: string[]): string[] {
  const out = new Set<string>();
  for (const h of hosts) {
    if (h !== '::' && h !== '0.0.0.0') {
      out.add(h);
      continue;
    }
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) {
        if (h === '0.0.0.0' && i.family !== 'IPv4') continue;
        if (i.family === 'IPv6' && i.address.toLowerCase().startsWith('fe80')) continue;
        out.add(i.address);
      }
    }
  }
  return [...out];
}
