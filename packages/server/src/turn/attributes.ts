import { Attr, MAGIC_COOKIE, type StunAttribute, type StunMessage } from './stun-message.js';

/** A transport address: IP as bytes (4 or 16) and port. */
export interface TransportAddress {
  family: 4 | 6;
  ip: Buffer;
  port: number;
}

const FAMILY_V4 = 0x01;
const FAMILY_V6 = 0x02;

/** Text form of an address's IP (IPv6 compressed, as Node prints it). */
export function ipText(address: TransportAddress): string {
  if (address.family === 4) return [...address.ip].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(address.ip.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 says.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Key for maps: "ip|port". */
export function addressKey(address: TransportAddress): string {
  return `${ipText(address)}|${address.port}`;
}

/** An address from Node's socket fields (dotted or IPv6 text). Null when unparseable. */
export function fromSocket(ip: string, port: number): TransportAddress | null {
  const bytes = ipBytes(ip);
  if (!bytes) return null;
  return { family: bytes.length === 4 ? 4 : 6, ip: bytes, port };
}

/** Strict text → bytes: dotted-quad IPv4 or RFC 4291 IPv6 (with an optional dotted tail). */
export function ipBytes(text: string): Buffer | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((n) => n <= 255) ? Buffer.from(parts) : null;
  }
  const zone = text.indexOf('%');
  const t = zone >= 0 ? text.slice(0, zone) : text;
  if (!t.includes(':')) return null;
  let head = t;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(t);
  if (dotted) {
    const b = ipBytes(dotted[2]!);
    if (!b) return null;
    head = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
    tail = [b.readUInt16BE(0), b.readUInt16BE(2)];
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  if (!left || !right) return null;
  const given = left.length + right.length + tail.length;
  let groups: number[];
  if (halves.length === 2) {
    if (given > 7) return null;
    groups = [...left, ...new Array<number>(8 - given).fill(0), ...right, ...tail];
  } else {
    if (given !== 8) return null;
    groups = [...left, ...tail];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Encodes an XOR-*-ADDRESS value (RFC 8489 §14.2). */
export function encodeXorAddress(address: TransportAddress, transactionId: Buffer): Buffer {
  const out = Buffer.alloc(address.family === 4 ? 8 : 20);
  out.writeUInt8(address.family === 4 ? FAMILY_V4 : FAMILY_V6, 1);
  out.writeUInt16BE(address.port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = xorMask(transactionId);
  for (let i = 0; i < address.ip.length; i++) out[4 + i] = address.ip[i]! ^ mask[i]!;
  return out;
}

/** Decodes an XOR-*-ADDRESS value; null when malformed. */
export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress | null {
  if (value.length < 4) return null;
  const family = value.readUInt8(1);
  const size = family === FAMILY_V4 ? 4 : family === FAMILY_V6 ? 16 : 0;
  if (size === 0 || value.length !== 4 + size) return null;
  const mask = xorMask(transactionId);
  const ip = Buffer.alloc(size);
  for (let i = 0; i < size; i++) ip[i] = value[4 + i]! ^ mask[i]!;
  return { family: size === 4 ? 4 : 6, ip, port: value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16) };
}

function xorMask(transactionId: Buffer): Buffer {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4, 0, 12);
  return mask;
}

/** ERROR-CODE value (RFC 8489 §14.8). */
export function errorCode(code: number, reason: string): StunAttribute {
  const text = Buffer.from(reason, 'utf8');
  const value = Buffer.alloc(4 + text.length);
  value.writeUInt8(Math.floor(code / 100), 2);
  value.writeUInt8(code % 100, 3);
  text.copy(value, 4);
  return { type: Attr.ErrorCode, value };
}

/** Reads ERROR-CODE back as a number (for tests and clients). */
export function readErrorCode(value: Buffer | undefined): number | null {
  if (!value || value.length < 4) return null;
  return (value.readUInt8(2) & 0x07) * 100 + value.readUInt8(3);
}

/** A 32-bit unsigned attribute (LIFETIME and friends). */
export function u32(type: number, n: number): StunAttribute {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(n >>> 0, 0);
  return { type, value };
}

/** A UTF-8 text attribute (REALM, NONCE, SOFTWARE, USERNAME). */
export function text(type: number, s: string): StunAttribute {
  return { type, value: Buffer.from(s, 'utf8') };
}

/** CHANNEL-NUMBER: 16-bit number then RFFU. */
export function channelNumber(n: number): StunAttribute {
  const value = Buffer.alloc(4);
  value.writeUInt16BE(n, 0);
  return { type: Attr.ChannelNumber, value };
}

/** Reads a 32-bit attribute; null when missing or not 4 bytes. */
export function readU32(message: StunMessage, type: number): number | null {
  const a = message.attributes.find((x) => x.type === type)?.value;
  return a && a.length === 4 ? a.readUInt32BE(0) : null;
}

/** Every XOR-PEER-ADDRESS in a message (CreatePermission may carry several). */
export function peerAddresses(message: StunMessage): (TransportAddress | null)[] {
  return message.attributes.filter((a) => a.type === Attr.XorPeerAddress).map((a) => decodeXorAddress(a.value, message.transactionId));
}

/** Comprehension-required attribute types this server understands. */
const KNOWN_REQUIRED = new Set<number>([
  Attr.MappedAddress,
  Attr.Username,
  Attr.MessageIntegrity,
  Attr.ErrorCode,
  Attr.UnknownAttributes,
  Attr.ChannelNumber,
  Attr.Lifetime,
  Attr.XorPeerAddress,
  Attr.Data,
  Attr.Realm,
  Attr.Nonce,
  Attr.XorRelayedAddress,
  Attr.RequestedAddressFamily,
  Attr.EvenPort,
  Attr.RequestedTransport,
  Attr.ReservationToken,
  Attr.DontFragment,
  Attr.XorMappedAddress,
  Attr.Priority,
  Attr.UseCandidate,
]);

/** Comprehension-required attributes of a request that we do not understand (→ 420). */
export function unknownRequired(message: StunMessage): number[] {
  return [...new Set(message.attributes.filter((a) => a.type < 0x8000 && !KNOWN_REQUIRED.has(a.type)).map((a) => a.type))];
}

/** UNKNOWN-ATTRIBUTES value listing the given types. */
export function unknownAttributes(types: number[]): StunAttribute {
  const value = Buffer.alloc(types.length * 2);
  types.forEach((t, i) => value.writeUInt16BE(t, i * 2));
  return { type: Attr.UnknownAttributes, value };
}
