import { randomBytes } from 'node:crypto';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Logger } from 'pino';
import { TurnAllocation, ByteBucket, clampLifetime, normaliseIp, type ClientLink } from './allocation.js';
import {
  addressKey,
  decodeXorAddress,
  encodeXorAddress,
  errorCode,
  fromSocket,
  ipText,
  peerAddresses,
  readU32,
  text,
  u32,
  unknownAttributes,
  unknownRequired,
  type TransportAddress,
} from './attributes.js';
import { TurnAuthenticator, type Authenticated } from './auth.js';
import { CHANNEL_MAX, CHANNEL_MIN, encodeChannelData, isChannelData } from './framing.js';
import { PeerGate } from './peer-gate.js';
import type { PeerPolicy } from './peer-policy.js';
import { bindRelay, relayBase } from './relay-socket.js';
import { Attr, Class, Method, decodeStun, encodeStun, fingerprintOk, getAttr, responseTo, type StunAttribute, type StunMessage } from './stun-message.js';

const SOFTWARE = text(Attr.Software, 'Lectern TURN');
const UDP = 17;

/** Limits that keep one user, or everyone together, from exhausting the relay. */
export interface TurnLimits {
  /** Allocations one participant may hold at once. */
  allocationsPerUser: number;
  /** Allocations on the whole server. */
  allocationsTotal: number;
  /** Peer IPs one allocation may have permissions for. */
  permissionsPerAllocation: number;
  /** Bytes a second one allocation may relay (both directions together); 0 means no cap. */
  bytesPerSecond: number;
  /** Relay ports are taken from this range. */
  relayPorts: { min: number; max: number };
}

/** What the TURN protocol core needs. */
export interface TurnCoreOptions {
  realm: string;
  secret: () => string;
  nonceKey: Buffer;
  nonceLifetimeMs?: number;
  policy: PeerPolicy;
  limits: TurnLimits;
  log: Logger;
  /** The clock (ms); tests move it. */
  now?: () => number;
  /**
   * This server's addresses (the UDP listeners'), for a relay of the other family than the one
   * the client came in on: a browser that reached us over IPv6 still asks for an IPv4 relay.
   */
  localAddresses?: () => TransportAddress[];
  /**
   * This server's own services a relayed client may reach (the SFU's media port on each of the
   * server's addresses): a browser that can only use the relay still gets to the SFU. Like a
   * relay address, such a peer is reachable at exactly that port, nothing else on the host.
   */
  services?: () => TransportAddress[];
}

/** Counters for the metrics endpoint. */
export interface TurnCounters {
  allocations: number;
  allocationsCreated: number;
  bytesRelayed: number;
  packetsDropped: number;
}

/**
 * The TURN protocol (RFC 8656 over RFC 8489): owns allocations and answers every message a
 * listener hands it. Transport-agnostic: listeners pass bytes and a {@link ClientLink}.
 * Never throws on input; malformed requests get 400, everything else malformed is dropped.
 */
export class TurnCore {
  readonly #allocations = new Map<string, TurnAllocation>();
  readonly #byRelay = new Map<string, TurnAllocation>();
  readonly #reservations = new Map<string, { socket: UdpSocket; base: TransportAddress; timer: NodeJS.Timeout }>();
  readonly #auth: TurnAuthenticator;
  readonly #gate: PeerGate;
  readonly #now: () => number;
  #created = 0;
  #bytes = 0;
  #dropped = 0;
  #closed = false;

  constructor(private readonly options: TurnCoreOptions) {
    this.#now = options.now ?? Date.now;
    this.#gate = new PeerGate(
      options.policy,
      () => options.localAddresses?.() ?? [],
      () => [...[...this.#byRelay.values()].map((a) => a.relay), ...(options.services?.() ?? [])],
    );
    this.#auth = new TurnAuthenticator(options.secret, options.realm, options.nonceKey, options.nonceLifetimeMs ?? 600_000);
  }

  #isService(peer: TransportAddress): boolean {
    const key = addressKey(peer);
    return (this.options.services?.() ?? []).some((s) => addressKey(s) === key);
  }

  get counters(): TurnCounters {
    let dropped = this.#dropped;
    for (const a of this.#allocations.values()) dropped += a.droppedPackets;
    return { allocations: this.#allocations.size, allocationsCreated: this.#created, bytesRelayed: this.#bytes, packetsDropped: dropped };
  }

  /** The allocations alive now (for tests and diagnostics). */
  get allocations(): ReadonlyMap<string, TurnAllocation> {
    return this.#allocations;
  }

  /**
   * Handles one STUN message or ChannelData frame from a client. ChannelData, the bulk of the
   * traffic, is relayed synchronously; STUN requests may bind sockets, hence the promise.
   */
  handle(link: ClientLink, packet: Buffer): Promise<void> | undefined {
    if (this.#closed) return undefined;
    if (isChannelData(packet)) {
      this.channelData(link.key, packet);
      return undefined;
    }
    return this.#stun(link, packet);
  }

  /** Relays a ChannelData frame from the client of 5-tuple `key` (no link object needed). */
  channelData(key: string, packet: Buffer): void {
    const a = this.#allocations.get(key);
    if (!a || packet.length < 4) return;
    const length = packet.readUInt16BE(2);
    if (4 + length > packet.length) return;
    try {
      a.sendOnChannel(packet.readUInt16BE(0), packet.subarray(4, 4 + length), this.#now());
    } catch (err) {
      this.options.log.debug({ err }, 'ChannelData not relayed');
    }
  }

  async #stun(link: ClientLink, packet: Buffer): Promise<void> {
    try {
      const decoded = decodeStun(packet);
      if (!decoded.ok) {
        if (decoded.header?.cls === Class.Request) {
          const { method, transactionId } = decoded.header;
          this.#reply(link, { method, cls: Class.Error, transactionId, attributes: [errorCode(400, 'Bad Request')] });
        }
        return;
      }
      const msg = decoded.message;
      if (!fingerprintOk(msg)) return;
      if (msg.cls === Class.Indication) {
        if (msg.method === Method.Send) this.#send(link, msg);
        return;
      }
      if (msg.cls !== Class.Request) return;
      switch (msg.method) {
        case Method.Binding:
          return this.#reply(link, responseTo(msg, Class.Success, [{ type: Attr.XorMappedAddress, value: encodeXorAddress(link.remote, msg.transactionId) }, SOFTWARE]));
        case Method.Allocate:
        case Method.Refresh:
        case Method.CreatePermission:
        case Method.ChannelBind:
          return await this.#authenticated(link, msg);
        default:
          return this.#reply(link, responseTo(msg, Class.Error, [errorCode(400, 'Bad Request: unknown method')]));
      }
    } catch (err) {
      this.options.log.warn({ err, remote: addressKey(link.remote) }, 'TURN message failed');
    }
  }

  /** Drops whatever expired. The listeners call this every few seconds. */
  sweep(): void {
    const now = this.#now();
    for (const a of [...this.#allocations.values()]) if (a.sweep(now)) this.#delete(a, 'expired');
  }

  /** Does this client 5-tuple hold an allocation? */
  hasAllocation(link: ClientLink): boolean {
    return this.#allocations.has(allocationKey(link));
  }

  /** Deletes every allocation of a client connection that went away (TCP/TLS). */
  clientGone(link: ClientLink): void {
    const a = this.#allocations.get(allocationKey(link));
    if (a) this.#delete(a, 'connection closed');
  }

  close(): void {
    this.#closed = true;
    for (const r of this.#reservations.values()) {
      clearTimeout(r.timer);
      r.socket.close();
    }
    this.#reservations.clear();
    for (const a of [...this.#allocations.values()]) this.#delete(a, 'server closing');
  }

  async #authenticated(link: ClientLink, msg: StunMessage): Promise<void> {
    const now = this.#now();
    const existing = this.#allocations.get(allocationKey(link));
    const result = this.#auth.check(msg, normaliseIp(ipText(link.remote)), now, existing?.username);
    if (!result.ok) {
      this.options.log.debug({ remote: addressKey(link.remote), reason: result.reason, method: msg.method }, 'TURN request refused');
      return this.#reply(link, result.response);
    }
    const auth = result.auth;
    const fail = (code: number, reason: string, extra: StunAttribute[] = []) =>
      this.#reply(link, responseTo(msg, Class.Error, [errorCode(code, reason), ...extra]), auth.key);
    const unknown = unknownRequired(msg);
    if (unknown.length > 0) return fail(420, 'Unknown Attribute', [unknownAttributes(unknown)]);
    if (msg.method === Method.Allocate) return this.#allocate(link, msg, auth, existing, fail);
    if (!existing) return fail(437, 'Allocation Mismatch');
    if (parseUser(existing.username) !== auth.user) return fail(441, 'Wrong Credentials');
    switch (msg.method) {
      case Method.Refresh:
        return this.#refresh(link, msg, auth, existing, fail);
      case Method.CreatePermission:
        return this.#createPermission(link, msg, auth, existing, fail);
      default:
        return this.#channelBind(link, msg, auth, existing, fail);
    }
  }

  async #allocate(link: ClientLink, msg: StunMessage, auth: Authenticated, existing: TurnAllocation | undefined, fail: Fail): Promise<void> {
    if (existing) {
      if (existing.lastTransaction?.id === msg.transactionId.toString('hex')) return link.send(existing.lastTransaction.response);
      return fail(437, 'Allocation Mismatch');
    }
    const transport = getAttr(msg, Attr.RequestedTransport);
    if (!transport || transport.length !== 4) return fail(400, 'Bad Request: REQUESTED-TRANSPORT missing');
    if (transport[0] !== UDP) return fail(442, 'Unsupported Transport Protocol');
    const evenPort = getAttr(msg, Attr.EvenPort);
    const token = getAttr(msg, Attr.ReservationToken);
    if (evenPort && token) return fail(400, 'Bad Request: EVEN-PORT with RESERVATION-TOKEN');
    const familyAttr = getAttr(msg, Attr.RequestedAddressFamily);
    const family = familyAttr ? (familyAttr[0] === 1 ? 4 : familyAttr[0] === 2 ? 6 : 0) : 4;
    if (family === 0) return fail(440, 'Address Family not Supported');
    let local = relayBase(link.local);
    if (local.family !== family) {
      const others = (this.options.localAddresses?.() ?? []).filter((a) => a.family === family);
      // Prefer an address others can reach: not loopback, when there is one.
      const pick = others.find((a) => !(a.family === 4 ? a.ip[0] === 127 : a.ip.subarray(0, 15).every((b) => b === 0))) ?? others[0];
      if (!pick) return fail(440, 'Address Family not Supported');
      local = relayBase(pick);
    }
    const { limits } = this.options;
    let mine = 0;
    for (const a of this.#allocations.values()) if (a.user === auth.user) mine++;
    if (mine >= limits.allocationsPerUser) return fail(486, 'Allocation Quota Reached');
    if (this.#allocations.size >= limits.allocationsTotal) return fail(508, 'Insufficient Capacity');
    let socket: UdpSocket | null;
    let reserved: Buffer | null = null;
    if (token) {
      // The odd port kept for us by an earlier EVEN-PORT allocation (RFC 8656 §7.2, RTCP).
      const r = this.#reservations.get(token.toString('hex'));
      if (!r || ipText(r.base) !== ipText(local)) return fail(508, 'Insufficient Capacity: no such reservation');
      this.#reservations.delete(token.toString('hex'));
      clearTimeout(r.timer);
      socket = r.socket;
    } else {
      const wantsReservation = evenPort !== undefined && evenPort.length >= 1 && (evenPort[0]! & 0x80) !== 0;
      const pair = await bindRelay(local, limits.relayPorts, evenPort !== undefined, wantsReservation);
      socket = pair?.socket ?? null;
      if (pair?.next) reserved = this.#reserve(local, pair.next);
    }
    if (!socket) return fail(508, 'Insufficient Capacity');
    if (this.#closed || this.#allocations.has(allocationKey(link))) {
      socket.close();
      return fail(437, 'Allocation Mismatch');
    }
    const now = this.#now();
    const relay: TransportAddress = { ...local, port: socket.address().port };
    const lifetime = clampLifetime(readU32(msg, Attr.Lifetime));
    const allocation = new TurnAllocation(
      allocationKey(link),
      auth.user,
      auth.username,
      auth.key,
      link,
      relay,
      socket,
      new ByteBucket(limits.bytesPerSecond, Math.max(64 * 1024, limits.bytesPerSecond / 2), now),
      lifetime,
      now,
      {
        relayed: (n) => (this.#bytes += n),
        isRelayAddress: (peer) => this.#byRelay.has(addressKey(peer)) || this.#isService(peer),
        now: this.#now,
      },
    );
    allocation.onPeerData = (data, ip, port) => this.#toClient(allocation, data, ip, port);
    socket.on('error', (err) => this.options.log.debug({ err, relay: addressKey(relay) }, 'relay socket error'));
    this.#allocations.set(allocation.key, allocation);
    this.#byRelay.set(addressKey(relay), allocation);
    this.#created++;
    const response = this.#encode(
      responseTo(msg, Class.Success, [
        { type: Attr.XorRelayedAddress, value: encodeXorAddress(relay, msg.transactionId) },
        u32(Attr.Lifetime, lifetime),
        { type: Attr.XorMappedAddress, value: encodeXorAddress(link.remote, msg.transactionId) },
        SOFTWARE,
        ...(reserved ? [{ type: Attr.ReservationToken, value: reserved }] : []),
      ]),
      auth.key,
    );
    allocation.lastTransaction = { id: msg.transactionId.toString('hex'), response };
    this.options.log.debug(
      { user: auth.user, transport: link.transport, client: addressKey(link.remote), relay: addressKey(relay), lifetime, active: this.#allocations.size },
      'TURN allocation created',
    );
    link.send(response);
  }

  #refresh(link: ClientLink, msg: StunMessage, auth: Authenticated, a: TurnAllocation, fail: Fail): void {
    const familyAttr = getAttr(msg, Attr.RequestedAddressFamily);
    if (familyAttr && (familyAttr[0] === 1 ? 4 : 6) !== a.relay.family) return fail(443, 'Peer Address Family Mismatch');
    const requested = readU32(msg, Attr.Lifetime);
    const lifetime = requested === 0 ? 0 : clampLifetime(requested);
    if (lifetime === 0) this.#delete(a, 'refreshed to 0');
    else a.refresh(lifetime, this.#now());
    this.#reply(link, responseTo(msg, Class.Success, [u32(Attr.Lifetime, lifetime), SOFTWARE]), auth.key);
  }

  #createPermission(link: ClientLink, msg: StunMessage, auth: Authenticated, a: TurnAllocation, fail: Fail): void {
    const peers = peerAddresses(msg);
    if (peers.length === 0 || peers.some((p) => p === null)) return fail(400, 'Bad Request: XOR-PEER-ADDRESS');
    const grants: { peer: TransportAddress; relaysOnly: boolean }[] = [];
    for (const peer of peers as TransportAddress[]) {
      // Policy before family: a forbidden address is refused as such in whatever form it comes.
      const verdict = this.#gate.access(peer, false);
      if (verdict === 'denied') return this.#forbid(auth, a, peer, fail);
      if (peer.family !== a.relay.family) return fail(443, 'Peer Address Family Mismatch');
      grants.push({ peer, relaysOnly: verdict === 'relays-only' });
    }
    const fresh = new Set(grants.map((g) => ipText(g.peer)).filter((ip) => !a.hasPermission(ip)));
    if (a.permissionCount + fresh.size > this.options.limits.permissionsPerAllocation) return fail(508, 'Insufficient Capacity: too many permissions');
    const now = this.#now();
    for (const g of grants) a.permit(g.peer, g.relaysOnly, now);
    this.#reply(link, responseTo(msg, Class.Success, [SOFTWARE]), auth.key);
  }

  #channelBind(link: ClientLink, msg: StunMessage, auth: Authenticated, a: TurnAllocation, fail: Fail): void {
    const numberAttr = getAttr(msg, Attr.ChannelNumber);
    const peerAttr = getAttr(msg, Attr.XorPeerAddress);
    const peer = peerAttr ? decodeXorAddress(peerAttr, msg.transactionId) : null;
    if (!numberAttr || numberAttr.length !== 4 || !peer) return fail(400, 'Bad Request');
    const channel = numberAttr.readUInt16BE(0);
    if (channel < CHANNEL_MIN || channel > CHANNEL_MAX) return fail(400, 'Bad Request: channel number out of range');
    const verdict = this.#gate.access(peer, true);
    if (verdict === 'denied') return this.#forbid(auth, a, peer, fail);
    if (peer.family !== a.relay.family) return fail(443, 'Peer Address Family Mismatch');
    const bound = a.peerOf(channel);
    if (bound && addressKey(bound) !== addressKey(peer)) return fail(400, 'Bad Request: channel bound to another peer');
    const other = a.channelOf(peer);
    if (other !== undefined && other !== channel) return fail(400, 'Bad Request: peer bound to another channel');
    if (!a.hasPermission(ipText(peer)) && a.permissionCount >= this.options.limits.permissionsPerAllocation) return fail(508, 'Insufficient Capacity: too many permissions');
    a.bindChannel(channel, peer, verdict === 'relays-only', this.#now());
    this.#reply(link, responseTo(msg, Class.Success, [SOFTWARE]), auth.key);
  }

  #forbid(auth: Authenticated, a: TurnAllocation, peer: TransportAddress, fail: Fail): void {
    this.options.log.debug({ user: auth.user, relay: addressKey(a.relay), peer: ipText(peer), reason: this.#gate.reason(peer) }, 'TURN peer refused');
    fail(403, 'Forbidden: peer address not allowed');
  }

  #send(link: ClientLink, msg: StunMessage): void {
    const a = this.#allocations.get(allocationKey(link));
    const peerAttr = getAttr(msg, Attr.XorPeerAddress);
    const data = getAttr(msg, Attr.Data);
    if (!a || !peerAttr || !data) return;
    const peer = decodeXorAddress(peerAttr, msg.transactionId);
    if (!peer || peer.family !== a.relay.family) return;
    a.sendToPeer(peer, data, this.#now());
  }

  #toClient(a: TurnAllocation, data: Buffer, ip: string, port: number): void {
    const plain = normaliseIp(ip);
    const channel = a.channelOfKey(`${plain}|${port}`);
    if (channel !== undefined) {
      a.client.send(encodeChannelData(channel, data, a.client.transport !== 'udp'));
      return;
    }
    const peer = fromSocket(plain, port);
    if (!peer) return;
    const indication: StunMessage = {
      method: Method.Data,
      cls: Class.Indication,
      transactionId: randomTransactionId(),
      attributes: [],
    };
    indication.attributes.push({ type: Attr.XorPeerAddress, value: encodeXorAddress(peer, indication.transactionId) }, { type: Attr.Data, value: data });
    a.client.send(encodeStun(indication));
  }

  /** Holds the port after an even relay port for 30 s, for the RTCP allocation that follows. */
  #reserve(base: TransportAddress, socket: UdpSocket): Buffer {
    const token = randomBytes(8);
    const key = token.toString('hex');
    const timer = setTimeout(() => {
      this.#reservations.delete(key);
      socket.close();
    }, 30_000);
    timer.unref();
    this.#reservations.set(key, { socket, base, timer });
    return token;
  }

  #delete(a: TurnAllocation, reason: string): void {
    if (this.#allocations.get(a.key) === a) this.#allocations.delete(a.key);
    if (this.#byRelay.get(addressKey(a.relay)) === a) this.#byRelay.delete(addressKey(a.relay));
    this.#dropped += a.droppedPackets;
    a.droppedPackets = 0;
    a.close();
    this.options.log.debug(
      { user: a.user, relay: addressKey(a.relay), reason, toPeers: a.bytesToPeers, toClient: a.bytesToClient, active: this.#allocations.size },
      'TURN allocation deleted',
    );
  }

  #encode(message: StunMessage, key?: Buffer): Buffer {
    return encodeStun(message, { integrityKey: key, fingerprint: true });
  }

  #reply(link: ClientLink, message: StunMessage, key?: Buffer): void {
    link.send(this.#encode(message, key));
  }
}

type Fail = (code: number, reason: string, extra?: StunAttribute[]) => void;

function allocationKey(link: ClientLink): string {
  return link.key;
}

/** The 5-tuple key of a client link, from the strings Node reports (cheap per datagram). */
export function linkKey(transport: ClientLink['transport'], remoteIp: string, remotePort: number, local: TransportAddress | string): string {
  return `${transport}|${remoteIp}|${remotePort}|${typeof local === 'string' ? local : addressKey(local)}`;
}

function parseUser(username: string): string {
  return username.slice(username.indexOf(':') + 1);
}


function randomTransactionId(): Buffer {
  return randomBytes(12);
}
