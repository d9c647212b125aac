import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The fixed value in every RFC 5389/8489 header; tells STUN apart from other traffic. */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_BYTES = 20;
/** The biggest STUN message we accept (a UDP datagram can carry no more). */
export const MAX_MESSAGE_BYTES = 65_535;

/** STUN/TURN methods (RFC 8489 §18.2, RFC 8656 §17). */
export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;
export type MethodCode = (typeof Method)[keyof typeof Method];

/** The four message classes. */
export const Class = { Request: 0, Indication: 1, Success: 2, Error: 3 } as const;
export type ClassCode = (typeof Class)[keyof typeof Class];

/** Attribute types we read or write. */
export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  AdditionalAddressFamily: 0x8000,
  PasswordAlgorithms: 0x8002,
  Software: 0x8022,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

const FINGERPRINT_XOR = 0x5354554e;

/** One attribute as it sits on the wire: type and raw value (without padding). */
export interface StunAttribute {
  type: number;
  value: Buffer;
}

/** A decoded STUN message. `raw` is the exact bytes it came from (for integrity checks). */
export interface StunMessage {
  method: number;
  cls: ClassCode;
  transactionId: Buffer;
  attributes: StunAttribute[];
  raw?: Buffer;
}

/** Encodes method and class into the 14-bit message type (RFC 8489 §5). */
export function messageType(method: number, cls: ClassCode): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

function splitType(type: number): { method: number; cls: ClassCode } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = (((type >> 4) & 1) | ((type >> 7) & 2)) as ClassCode;
  return { method, cls };
}

/** True when the bytes start like a STUN message (two zero bits and the magic cookie). */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER_BYTES && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}

/** Why a buffer is not a well-formed STUN message. */
export type DecodeResult = { ok: true; message: StunMessage } | { ok: false; reason: string; header?: { method: number; cls: ClassCode; transactionId: Buffer } };

/**
 * Decodes one STUN message that fills `buf` exactly. Never throws: malformed input comes
 * back as `{ ok: false }` (with the header when it was readable, so a request can get 400).
 */
export function decodeStun(buf: Buffer): DecodeResult {
  if (!looksLikeStun(buf)) return { ok: false, reason: 'not STUN' };
  const { method, cls } = splitType(buf.readUInt16BE(0));
  const length = buf.readUInt16BE(2);
  const transactionId = Buffer.from(buf.subarray(8, 20));
  const header = { method, cls, transactionId };
  if (length % 4 !== 0) return { ok: false, reason: 'length is not a multiple of 4', header };
  if (HEADER_BYTES + length !== buf.length) return { ok: false, reason: 'length does not match the datagram', header };
  const attributes: StunAttribute[] = [];
  let offset = HEADER_BYTES;
  let sawIntegrity = false;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) return { ok: false, reason: 'truncated attribute header', header };
    const type = buf.readUInt16BE(offset);
    const len = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + len;
    if (end > buf.length) return { ok: false, reason: 'attribute runs past the end', header };
    // After MESSAGE-INTEGRITY only FINGERPRINT may follow; anything else is ignored (RFC 8489 §14.5).
    if (sawIntegrity && type !== Attr.Fingerprint) {
      offset = end + ((4 - (len % 4)) % 4);
      continue;
    }
    attributes.push({ type, value: Buffer.from(buf.subarray(offset + 4, end)) });
    if (type === Attr.MessageIntegrity) sawIntegrity = true;
    if (type === Attr.Fingerprint && end + ((4 - (len % 4)) % 4) !== buf.length) return { ok: false, reason: 'FINGERPRINT is not last', header };
    offset = end + ((4 - (len % 4)) % 4);
  }
  if (offset !== buf.length) return { ok: false, reason: 'padding runs past the end', header };
  return { ok: true, message: { method, cls, transactionId, attributes, raw: buf } };
}

/** The first attribute of a type, if any. */
export function getAttr(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** Options for encoding: a long-term key adds MESSAGE-INTEGRITY; FINGERPRINT is added last. */
export interface EncodeOptions {
  integrityKey?: Buffer;
  fingerprint?: boolean;
}

/** Encodes a message, appending MESSAGE-INTEGRITY and FINGERPRINT when asked. */
export function encodeStun(message: StunMessage, options: EncodeOptions = {}): Buffer {
  const parts: Buffer[] = [];
  for (const a of message.attributes) {
    if (a.type === Attr.MessageIntegrity || a.type === Attr.Fingerprint) continue;
    parts.push(attrBytes(a.type, a.value));
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(messageType(message.method, message.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  message.transactionId.copy(header, 8, 0, 12);
  let body = Buffer.concat(parts);
  if (options.integrityKey) {
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac('sha1', options.integrityKey).update(header).update(body).digest();
    body = Buffer.concat([body, attrBytes(Attr.MessageIntegrity, mac)]);
  }
  if (options.fingerprint) {
    header.writeUInt16BE(body.length + 8, 2);
    const crc = (crc32(body, crc32(header)) ^ FINGERPRINT_XOR) >>> 0;
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc, 0);
    body = Buffer.concat([body, attrBytes(Attr.Fingerprint, value)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function attrBytes(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const out = Buffer.alloc(4 + value.length + pad);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** Byte offset of the first attribute of `type` in the raw message, or -1. */
function attrOffset(raw: Buffer, type: number): number {
  let offset = HEADER_BYTES;
  while (offset + 4 <= raw.length) {
    const t = raw.readUInt16BE(offset);
    const len = raw.readUInt16BE(offset + 2);
    if (t === type) return offset;
    offset += 4 + len + ((4 - (len % 4)) % 4);
  }
  return -1;
}

/** Checks FINGERPRINT when present. A message without one passes (it is optional). */
export function fingerprintOk(message: StunMessage): boolean {
  const raw = message.raw;
  if (!raw) return false;
  const at = attrOffset(raw, Attr.Fingerprint);
  if (at < 0) return true;
  if (raw.readUInt16BE(at + 2) !== 4) return false;
  const header = Buffer.from(raw.subarray(0, HEADER_BYTES));
  header.writeUInt16BE(at + 8 - HEADER_BYTES, 2);
  const crc = (crc32(raw.subarray(HEADER_BYTES, at), crc32(header)) ^ FINGERPRINT_XOR) >>> 0;
  return crc === raw.readUInt32BE(at + 4);
}

/** Checks MESSAGE-INTEGRITY (HMAC-SHA1) with a key; false when it is missing or wrong. */
export function integrityOk(message: StunMessage, key: Buffer): boolean {
  const raw = message.raw;
  if (!raw) return false;
  const at = attrOffset(raw, Attr.MessageIntegrity);
  if (at < 0 || raw.readUInt16BE(at + 2) !== 20 || at + 24 > raw.length) return false;
  const header = Buffer.from(raw.subarray(0, HEADER_BYTES));
  header.writeUInt16BE(at + 24 - HEADER_BYTES, 2);
  const mac = createHmac('sha1', key).update(header).update(raw.subarray(HEADER_BYTES, at)).digest();
  return timingSafeEqualBuf(mac, raw.subarray(at + 4, at + 24));
}

function timingSafeEqualBuf(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A response to `request` of the given class, with the same method and transaction id. */
export function responseTo(request: StunMessage, cls: ClassCode, attributes: StunAttribute[] = []): StunMessage {
  return { method: request.method, cls, transactionId: request.transactionId, attributes };
}
