// Test support (no tests here): a TurnCore on a fake client link, and a tiny TURN client.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { ClientLink } from './allocation.js';
import { fromSocket, readErrorCode, text, u32, type TransportAddress } from './attributes.js';
import { longTermKey, mintCredential } from './credentials.js';
import { PeerPolicy } from './peer-policy.js';
import { Attr, Class, Method, decodeStun, encodeStun, getAttr, type StunAttribute, type StunMessage } from './stun-message.js';
import { TurnCore, linkKey, type TurnLimits } from './turn-server.js';

export const SECRET = 'test-secret';
export const REALM = 'lectern';

/** A clock tests move by hand. */
export class ManualClock {
  t = 1_800_000_000_000;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const LIMITS: TurnLimits = {
  allocationsPerUser: 10,
  allocationsTotal: 100,
  permissionsPerAllocation: 8,
  bytesPerSecond: 0,
  relayPorts: { min: 20000, max: 60000 },
};

export function makeCore(
  options: { limits?: Partial<TurnLimits>; allow?: string[]; clock?: ManualClock; localAddresses?: TransportAddress[]; services?: TransportAddress[] } = {},
): { core: TurnCore; clock: ManualClock } {
  const clock = options.clock ?? new ManualClock();
  const core = new TurnCore({
    realm: REALM,
    secret: () => SECRET,
    nonceKey: Buffer.alloc(32, 7),
    nonceLifetimeMs: 600_000,
    policy: new PeerPolicy(options.allow ?? []),
    limits: { ...LIMITS, ...options.limits },
    log: pino({ level: 'silent' }),
    now: clock.now,
    localAddresses: () => options.localAddresses ?? [],
    services: () => options.services ?? [],
  });
  return { core, clock };
}

let nextPort = 40000;

/** A client on its own 5-tuple (127.0.0.1:N → 127.0.0.1:3478) that records what the server sends it. */
export class FakeTurnClient {
  readonly received: Buffer[] = [];
  readonly link: ClientLink;
  username: string;
  password: string;
  nonce = '';

  constructor(
    private readonly core: TurnCore,
    participant = 'alice',
    private readonly clock: ManualClock,
    transport: ClientLink['transport'] = 'udp',
  ) {
    const cred = mintCredential(SECRET, participant, 3600, clock.now());
    this.username = cred.username;
    this.password = cred.credential;
    const port = nextPort++;
    const local = fromSocket('127.0.0.1', 3478)!;
    this.link = {
      key: linkKey(transport, '127.0.0.1', port, local),
      transport,
      remote: fromSocket('127.0.0.1', port)!,
      local,
      send: (b) => this.received.push(b),
    };
  }

  /** Builds a request; signed unless `signed` is false. */
  build(method: number, attributes: StunAttribute[], signed = true): Buffer {
    const msg: StunMessage = { method, cls: Class.Request, transactionId: randomBytes(12), attributes: [...attributes] };
    if (!signed) return encodeStun(msg, { fingerprint: true });
    msg.attributes.push(text(Attr.Username, this.username), text(Attr.Realm, REALM), text(Attr.Nonce, this.nonce));
    return encodeStun(msg, { integrityKey: longTermKey(this.username, REALM, this.password), fingerprint: true });
  }

  /** Sends raw bytes; returns the one response they caused, decoded (or null). */
  async raw(bytes: Buffer): Promise<StunMessage | null> {
    const before = this.received.length;
    await this.core.handle(this.link, bytes);
    const reply = this.received.slice(before).find((b) => decodeStun(b).ok);
    if (!reply) return null;
    const r = decodeStun(reply);
    return r.ok ? r.message : null;
  }

  /** Gets a nonce the way a real client does: an unsigned Allocate draws 401 with one. */
  async primeNonce(): Promise<void> {
    const challenge = await this.raw(this.build(Method.Allocate, [], false));
    this.nonce = getAttr(challenge!, Attr.Nonce)!.toString();
  }

  /** Sends a signed request, picking up a nonce first when we have none (or it went stale). */
  async request(method: number, attributes: StunAttribute[] = []): Promise<StunMessage> {
    for (let i = 0; i < 3; i++) {
      if (!this.nonce) {
        const challenge = await this.raw(this.build(method, attributes, false));
        this.nonce = getAttr(challenge!, Attr.Nonce)?.toString() ?? '';
      }
      const reply = (await this.raw(this.build(method, attributes)))!;
      if (codeOf(reply) !== 438) return reply;
      this.nonce = getAttr(reply, Attr.Nonce)!.toString();
    }
    throw new Error('stale nonce three times');
  }

  allocate(extra: StunAttribute[] = []): Promise<StunMessage> {
    return this.request(Method.Allocate, [requestedUdp(), ...extra]);
  }
}

export function requestedUdp(): StunAttribute {
  const value = Buffer.alloc(4);
  value[0] = 17;
  return { type: Attr.RequestedTransport, value };
}

export function lifetime(s: number): StunAttribute {
  return u32(Attr.Lifetime, s);
}

/** The ERROR-CODE number of a response, or 0 for success. */
export function codeOf(m: StunMessage): number {
  return m.cls === Class.Success ? 0 : readErrorCode(getAttr(m, Attr.ErrorCode)) ?? -1;
}

export type { TransportAddress };
