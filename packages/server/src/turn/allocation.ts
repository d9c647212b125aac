import type { Socket as UdpSocket } from 'node:dgram';
import { addressKey, fromSocket, ipText, type TransportAddress } from './attributes.js';

/** RFC 8656 lifetimes, in seconds. */
export const Lifetimes = {
  allocationDefault: 600,
  allocationMax: 3600,
  permission: 300,
  channel: 600,
} as const;

/** Requested lifetime → granted lifetime: the default when absent or shorter, at most the maximum. */
export function clampLifetime(requested: number | null): number {
  if (requested === null) return Lifetimes.allocationDefault;
  return Math.min(Lifetimes.allocationMax, Math.max(Lifetimes.allocationDefault, requested));
}

/** The transport between the client and the server. */
export type ClientTransport = 'udp' | 'tcp' | 'tls';

/** How an allocation talks back to its client. */
export interface ClientLink {
  /** Identifies the 5-tuple: transport, client address and port, server address and port. */
  key: string;
  transport: ClientTransport;
  remote: TransportAddress;
  local: TransportAddress;
  /** Sends a STUN message or ChannelData to the client (stream transports pad ChannelData). */
  send(data: Buffer): void;
}

/** A token bucket: `rate` bytes a second, bursts up to `burst`. */
export class ByteBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes `n` bytes if there is room; false means drop the packet. */
  take(n: number, now: number): boolean {
    if (this.rate <= 0) return true;
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.rate) / 1000);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

interface Permission {
  expiresAt: number;
  /** Granted only because the peer is another relay of this server: only relay ports are reachable. */
  relaysOnly: boolean;
}

interface Channel {
  peer: TransportAddress;
  /** The peer's IP as text, kept so the per-packet path does not format it again. */
  ip: string;
  expiresAt: number;
}

/** What happens to a packet a client asks us to relay. */
export type RelayOutcome = 'sent' | 'no-permission' | 'over-bandwidth' | 'closed';

/**
 * One TURN allocation (RFC 8656 §2.2): a relayed transport address on a UDP socket of its
 * own, owned by one client 5-tuple, with its permissions and channel bindings.
 */
export class TurnAllocation {
  readonly createdAt: number;
  expiresAt: number;
  readonly #permissions = new Map<string, Permission>();
  readonly #channels = new Map<number, Channel>();
  readonly #channelByPeer = new Map<string, number>();
  #closed = false;
  bytesToPeers = 0;
  bytesToClient = 0;
  droppedPackets = 0;
  /** The last Allocate/Refresh transaction and its response, to answer retransmissions alike. */
  lastTransaction: { id: string; response: Buffer } | null = null;

  constructor(
    readonly key: string,
    readonly user: string,
    readonly username: string,
    readonly integrityKey: Buffer,
    readonly client: ClientLink,
    readonly relay: TransportAddress,
    private readonly socket: UdpSocket,
    private readonly bucket: ByteBucket,
    lifetimeS: number,
    now: number,
    private readonly hooks: {
      /** Bytes relayed in either direction, for the server's counters. */
      relayed(bytes: number): void;
      /** Is `peer` the relayed address of a live allocation on this server? */
      isRelayAddress(peer: TransportAddress): boolean;
      now(): number;
    },
  ) {
    this.createdAt = now;
    this.expiresAt = now + lifetimeS * 1000;
    socket.on('message', (data, rinfo) => {
      try {
        this.#fromPeer(data, rinfo.address, rinfo.port);
      } catch {
        // The client's socket went away mid-send; the allocation is about to be deleted.
      }
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get permissionCount(): number {
    return this.#permissions.size;
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  refresh(lifetimeS: number, now: number): void {
    this.expiresAt = now + lifetimeS * 1000;
  }

  hasPermission(ip: string): boolean {
    return this.#permissions.has(ip);
  }

  /** Installs or refreshes a permission for an IP (ports are not part of it, RFC 8656 §9). */
  permit(peer: TransportAddress, relaysOnly: boolean, now: number): void {
    const ip = ipText(peer);
    const prior = this.#permissions.get(ip);
    this.#permissions.set(ip, { expiresAt: now + Lifetimes.permission * 1000, relaysOnly: relaysOnly && (prior?.relaysOnly ?? true) });
  }

  /** Which channel a peer is bound to, if any. */
  channelOf(peer: TransportAddress): number | undefined {
    return this.#channelByPeer.get(addressKey(peer));
  }

  /** The same, keyed by `ip|port` as Node reports a datagram's sender (the hot path). */
  channelOfKey(key: string): number | undefined {
    return this.#channelByPeer.get(key);
  }

  /** Relays ChannelData from the client to the channel's peer; unbound channels are dropped. */
  sendOnChannel(channel: number, data: Buffer, now: number): RelayOutcome {
    const c = this.#channels.get(channel);
    if (!c) return 'no-permission';
    return this.sendToPeer(c.peer, data, now, c.ip);
  }

  /** The peer a channel is bound to, if any. */
  peerOf(channel: number): TransportAddress | undefined {
    return this.#channels.get(channel)?.peer;
  }

  /** Binds or refreshes a channel; the caller checked it does not clash. Also refreshes the permission. */
  bindChannel(channel: number, peer: TransportAddress, relaysOnly: boolean, now: number): void {
    this.#channels.set(channel, { peer, ip: ipText(peer), expiresAt: now + Lifetimes.channel * 1000 });
    this.#channelByPeer.set(addressKey(peer), channel);
    this.permit(peer, relaysOnly, now);
  }

  /** Relays a datagram from the client to a peer, if a permission (and the bandwidth) allows. */
  sendToPeer(peer: TransportAddress, data: Buffer, now: number, ip = ipText(peer)): RelayOutcome {
    if (this.#closed) return 'closed';
    const permission = this.#permissions.get(ip);
    if (!permission || permission.expiresAt <= now) return 'no-permission';
    if (permission.relaysOnly && !this.hooks.isRelayAddress(peer)) return 'no-permission';
    if (!this.bucket.take(data.length, now)) {
      this.droppedPackets++;
      return 'over-bandwidth';
    }
    this.bytesToPeers += data.length;
    this.hooks.relayed(data.length);
    this.socket.send(data, peer.port, ip);
    return 'sent';
  }

  /** Drops what expired; returns true when the allocation itself has expired. */
  sweep(now: number): boolean {
    for (const [ip, p] of this.#permissions) if (p.expiresAt <= now) this.#permissions.delete(ip);
    for (const [n, c] of this.#channels) {
      if (c.expiresAt > now) continue;
      this.#channels.delete(n);
      this.#channelByPeer.delete(addressKey(c.peer));
    }
    return this.expiresAt <= now;
  }

  /** Frees the relay port. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#permissions.clear();
    this.#channels.clear();
    this.#channelByPeer.clear();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  #fromPeer(data: Buffer, ip: string, port: number): void {
    if (this.#closed) return;
    const now = this.hooks.now();
    const permission = this.#permissions.get(normaliseIp(ip));
    if (!permission || permission.expiresAt <= now) return; // RFC 8656 §10.3: silently discarded
    if (permission.relaysOnly) {
      const from = fromSocket(normaliseIp(ip), port);
      if (!from || !this.hooks.isRelayAddress(from)) return;
    }
    if (!this.bucket.take(data.length, now)) {
      this.droppedPackets++;
      return;
    }
    this.bytesToClient += data.length;
    this.hooks.relayed(data.length);
    this.#onPeerData(data, ip, port);
  }

  /** Set by the server: wraps peer data as ChannelData or a Data indication. */
  #onPeerData: (data: Buffer, ip: string, port: number) => void = () => {};

  set onPeerData(fn: (data: Buffer, ip: string, port: number) => void) {
    this.#onPeerData = fn;
  }
}

/** Node reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d; permissions key on the plain form. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
