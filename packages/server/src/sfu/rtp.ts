/**
 * RTP and RTCP on the wire (RFC 3550, RFC 8285 header extensions, RFC 4585 feedback), as
 * the SFU needs them: read a header, rewrite SSRC / payload type / sequence / timestamp in
 * place, read the audio level (RFC 6464), spot keyframes, and read and build feedback.
 * Pure functions on Buffers; nothing here trusts a length it has not checked.
 */

/** True when a packet on a muxed RTP/RTCP port is RTCP (RFC 5761: payload types 192–223). */
export function isRtcp(packet: Uint8Array): boolean {
  return packet.length >= 2 && packet[1]! >= 192 && packet[1]! <= 223;
}

/** The parts of an RTP header the SFU uses. */
export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload. */
  payloadOffset: number;
  /** Bytes of padding at the end. */
  padding: number;
  /** Where the header extension block starts (after its 4-byte header), or -1. */
  extensionOffset: number;
  extensionLength: number;
  /** 0xBEDE (one-byte) or 0x1000 (two-byte) extension profile; 0 when none. */
  extensionProfile: number;
}

/** Parses an RTP header; null when the packet is not well-formed RTP. */
export function parseRtp(p: Uint8Array): RtpHeader | null {
  if (p.length < 12 || p[0]! >> 6 !== 2) return null;
  const csrcCount = p[0]! & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (offset > p.length) return null;
  let extensionOffset = -1;
  let extensionLength = 0;
  let extensionProfile = 0;
  if (p[0]! & 0x10) {
    if (offset + 4 > p.length) return null;
    extensionProfile = (p[offset]! << 8) | p[offset + 1]!;
    extensionLength = ((p[offset + 2]! << 8) | p[offset + 3]!) * 4;
    extensionOffset = offset + 4;
    offset = extensionOffset + extensionLength;
    if (offset > p.length) return null;
  }
  let padding = 0;
  if (p[0]! & 0x20) {
    padding = p[p.length - 1]!;
    if (padding === 0 || offset + padding > p.length) return null;
  }
  return {
    marker: (p[1]! & 0x80) !== 0,
    payloadType: p[1]! & 0x7f,
    sequence: (p[2]! << 8) | p[3]!,
    timestamp: ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0,
    ssrc: ((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0,
    payloadOffset: offset,
    padding,
    extensionOffset,
    extensionLength,
    extensionProfile,
  };
}

/** Rewrites the header fields a forwarded stream changes. Mutates `p`. */
export function rewriteRtp(p: Uint8Array, fields: { ssrc: number; payloadType: number; sequence: number; timestamp: number }): void {
  p[1] = (p[1]! & 0x80) | (fields.payloadType & 0x7f);
  p[2] = (fields.sequence >> 8) & 0xff;
  p[3] = fields.sequence & 0xff;
  writeU32(p, 4, fields.timestamp);
  writeU32(p, 8, fields.ssrc);
}

/** The value of header extension `id`, or null (RFC 8285 one- and two-byte forms). */
export function findExtension(p: Uint8Array, h: RtpHeader, id: number): Uint8Array | null {
  if (h.extensionOffset < 0 || id <= 0) return null;
  const end = h.extensionOffset + h.extensionLength;
  let i = h.extensionOffset;
  if (h.extensionProfile === 0xbede) {
    while (i < end) {
      const b = p[i]!;
      if (b === 0) {
        i++; // padding
        continue;
      }
      const extId = b >> 4;
      const len = (b & 0x0f) + 1;
      if (extId === 15) return null; // reserved: stop parsing
      if (i + 1 + len > end) return null;
      if (extId === id) return p.subarray(i + 1, i + 1 + len);
      i += 1 + len;
    }
  } else if ((h.extensionProfile & 0xfff0) === 0x1000) {
    while (i + 1 < end) {
      const extId = p[i]!;
      if (extId === 0) {
        i++;
        continue;
      }
      const len = p[i + 1]!;
      if (i + 2 + len > end) return null;
      if (extId === id) return p.subarray(i + 2, i + 2 + len);
      i += 2 + len;
    }
  }
  return null;
}

/**
 * The audio level of a packet from the ssrc-audio-level extension (RFC 6464), as 0..1
 * (1 loudest; the wire carries -dBov 0..127), or null when absent.
 */
export function audioLevel(p: Uint8Array, h: RtpHeader, extensionId: number): number | null {
  const ext = findExtension(p, h, extensionId);
  if (!ext || ext.length < 1) return null;
  const dbov = ext[0]! & 0x7f;
  return 1 - dbov / 127;
}

/** True when a VP8 RTP payload starts a keyframe (RFC 7741). */
export function isVp8KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const x = (payload[0]! & 0x80) !== 0;
  const start = (payload[0]! & 0x10) !== 0;
  const partition = payload[0]! & 0x07;
  if (!start || partition !== 0) return false;
  let i = 1;
  if (x) {
    if (payload.length < 2) return false;
    const ext = payload[1]!;
    i = 2;
    if (ext & 0x80) {
      if (i >= payload.length) return false;
      i += payload[i]! & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    }
    if (ext & 0x40) i++; // TL0PICIDX
    if (ext & 0x30) i++; // TID / KEYIDX
  }
  if (i >= payload.length) return false;
  // VP8 payload header: the P bit (inverse keyframe flag) is the lowest bit.
  return (payload[i]! & 0x01) === 0;
}

/** True when an H.264 RTP payload carries the start of an IDR picture or its SPS (RFC 6184). */
export function isH264KeyframeStart(payload: Uint8Array): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 24) {
    // STAP-A: 16-bit sizes, each followed by a NAL unit.
    let i = 1;
    while (i + 2 < payload.length) {
      const size = (payload[i]! << 8) | payload[i + 1]!;
      const nal = payload[i + 2]! & 0x1f;
      if (nal === 5 || nal === 7) return true;
      i += 2 + size;
    }
    return false;
  }
  if (type === 28 && payload.length >= 2) {
    // FU-A: the start bit and the fragmented unit's type.
    return (payload[1]! & 0x80) !== 0 && ((payload[1]! & 0x1f) === 5 || (payload[1]! & 0x1f) === 7);
  }
  return false;
}

/** One RTCP packet of a compound packet. */
export interface RtcpPacket {
  packetType: number;
  /** FMT for feedback packets, report count otherwise. */
  count: number;
  /** The whole packet, header included. */
  bytes: Uint8Array;
}

/** Splits a compound RTCP packet; stops at the first malformed one. */
export function splitRtcp(p: Uint8Array): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  let i = 0;
  while (i + 4 <= p.length) {
    if (p[i]! >> 6 !== 2) break;
    const length = (((p[i + 2]! << 8) | p[i + 3]!) + 1) * 4;
    if (i + length > p.length) break;
    out.push({ packetType: p[i + 1]!, count: p[i]! & 0x1f, bytes: p.subarray(i, i + length) });
    i += length;
  }
  return out;
}

/** What a receiver asks of the sender in RTCP feedback. */
export type Feedback =
  | { kind: 'keyframe'; mediaSsrc: number }
  | { kind: 'remb'; bitrate: number; ssrcs: number[] }
  | { kind: 'nack'; mediaSsrc: number; lost: number[] };

/** Reads the feedback the SFU acts on: PLI and FIR (keyframe requests), NACK (lost packets) and REMB (bandwidth). */
export function readFeedback(p: Uint8Array): Feedback[] {
  const out: Feedback[] = [];
  for (const pkt of splitRtcp(p)) {
    const b = pkt.bytes;
    if (b.length < 12) continue;
    const mediaSsrc = readU32(b, 8);
    if (pkt.packetType === 206 && pkt.count === 1) out.push({ kind: 'keyframe', mediaSsrc });
    else if (pkt.packetType === 206 && pkt.count === 4 && b.length >= 20) out.push({ kind: 'keyframe', mediaSsrc: readU32(b, 12) });
    else if (pkt.packetType === 205 && pkt.count === 1) out.push({ kind: 'nack', mediaSsrc, lost: nackedSequences(b) });
    else if (pkt.packetType === 206 && pkt.count === 15 && b.length >= 20 && b[12] === 0x52 && b[13] === 0x45 && b[14] === 0x4d && b[15] === 0x42) {
      const n = b[16]!;
      const exp = b[17]! >> 2;
      const mantissa = ((b[17]! & 0x03) << 16) | (b[18]! << 8) | b[19]!;
      const ssrcs: number[] = [];
      for (let k = 0; k < n && 20 + k * 4 + 4 <= b.length; k++) ssrcs.push(readU32(b, 20 + k * 4));
      out.push({ kind: 'remb', bitrate: mantissa * 2 ** exp, ssrcs });
    }
  }
  return out;
}

/**
 * The sequence numbers a generic NACK lists: each FCI entry is a packet id (PID) and a bitmask
 * (BLP) of the 16 packets after it (RFC 4585 §6.2.1).
 */
function nackedSequences(b: Uint8Array): number[] {
  const lost: number[] = [];
  for (let i = 12; i + 4 <= b.length; i += 4) {
    const pid = (b[i]! << 8) | b[i + 1]!;
    const blp = (b[i + 2]! << 8) | b[i + 3]!;
    lost.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
  }
  return lost;
}

/** A generic NACK from `senderSsrc` about `mediaSsrc` listing `lost` (one FCI entry per 17 packets at most). */
export function buildNack(senderSsrc: number, mediaSsrc: number, lost: readonly number[]): Buffer {
  const fci: Array<[number, number]> = [];
  for (const seq of lost) {
    const last = fci[fci.length - 1];
    const d = last ? (seq - last[0] - 1) & 0xffff : -1;
    if (last && d >= 0 && d < 16) last[1] |= 1 << d;
    else fci.push([seq & 0xffff, 0]);
  }
  const b = Buffer.alloc(12 + fci.length * 4);
  b[0] = 0x80 | 1;
  b[1] = 205;
  b.writeUInt16BE(2 + fci.length, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  fci.forEach(([pid, blp], i) => {
    b.writeUInt16BE(pid, 12 + i * 4);
    b.writeUInt16BE(blp, 14 + i * 4);
  });
  return b;
}

/** What a sender report says: at NTP time `ntp` (64-bit, as two words) the stream's clock read `rtpTimestamp`. */
export interface SenderReport {
  ssrc: number;
  ntpHigh: number;
  ntpLow: number;
  rtpTimestamp: number;
}

/** The sender reports (RTCP SR, RFC 3550 §6.4.1) in a compound packet. */
export function readSenderReports(p: Uint8Array): SenderReport[] {
  return splitRtcp(p)
    .filter((pkt) => pkt.packetType === 200 && pkt.bytes.length >= 28)
    .map(({ bytes: b }) => ({ ssrc: readU32(b, 4), ntpHigh: readU32(b, 8), ntpLow: readU32(b, 12), rtpTimestamp: readU32(b, 16) }));
}

/** A sender report with no report blocks. */
export function buildSenderReport(sr: SenderReport, packets: number, octets: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(sr.ssrc >>> 0, 4);
  b.writeUInt32BE(sr.ntpHigh >>> 0, 8);
  b.writeUInt32BE(sr.ntpLow >>> 0, 12);
  b.writeUInt32BE(sr.rtpTimestamp >>> 0, 16);
  b.writeUInt32BE(packets >>> 0, 20);
  b.writeUInt32BE(octets >>> 0, 24);
  return b;
}

/** A Picture Loss Indication (RFC 4585 §6.3.1) from `senderSsrc` about `mediaSsrc`. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80 | 1;
  b[1] = 206;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  return b;
}

function readU32(p: Uint8Array, i: number): number {
  return ((p[i]! << 24) | (p[i + 1]! << 16) | (p[i + 2]! << 8) | p[i + 3]!) >>> 0;
}

function writeU32(p: Uint8Array, i: number, v: number): void {
  p[i] = (v >>> 24) & 0xff;
  p[i + 1] = (v >>> 16) & 0xff;
  p[i + 2] = (v >>> 8) & 0xff;
  p[i + 3] = v & 0xff;
}
