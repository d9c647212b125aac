import { HEADER_BYTES, MAGIC_COOKIE } from './stun-message.js';

/**
 * Channel numbers a client may bind. RFC 8656 §12 narrowed the range to 0x4000–0x4FFF, but
 * RFC 5766 clients (coturn's own, pjnath, older browsers) still pick from 0x4000–0x7FFE, so
 * we accept that range, as coturn does: it never collides with STUN (first bits 00).
 */
export const CHANNEL_MIN = 0x4000;
export const CHANNEL_MAX = 0x7ffe;

/** True when a packet starts with a bound-channel number (ChannelData, RFC 8656 §12.4). */
export function isChannelData(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const n = buf.readUInt16BE(0);
  return n >= CHANNEL_MIN && n <= CHANNEL_MAX;
}

/** Builds a ChannelData message; stream transports pad it to a multiple of 4 (§12.5). */
export function encodeChannelData(channel: number, data: Buffer, pad: boolean): Buffer {
  const padding = pad ? (4 - (data.length % 4)) % 4 : 0;
  const out = Buffer.allocUnsafe(4 + data.length + padding); // every byte is written below
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  data.copy(out, 4);
  out.fill(0, 4 + data.length);
  return out;
}

/**
 * Splits a TCP/TLS byte stream into STUN messages and ChannelData frames. Anything that is
 * neither, or a STUN length that is not a multiple of 4, poisons the stream: there is no
 * way to find the next frame boundary, so the caller closes the connection.
 */
export class StreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  #poisoned = false;

  /** Adds bytes; returns the complete frames, or null when the stream is unreadable. */
  push(chunk: Buffer): Buffer[] | null {
    if (this.#poisoned) return null;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.#buf.length - offset >= 4) {
      const first = this.#buf[offset]!;
      const length = this.#buf.readUInt16BE(offset + 2);
      let size: number;
      if ((first & 0xc0) === 0) {
        if (length % 4 !== 0) return this.#poison();
        if (this.#buf.length - offset >= 8 && this.#buf.readUInt32BE(offset + 4) !== MAGIC_COOKIE) return this.#poison();
        size = HEADER_BYTES + length;
      } else if (isChannelData(this.#buf.subarray(offset, offset + 4))) {
        size = 4 + length + ((4 - (length % 4)) % 4);
      } else {
        return this.#poison();
      }
      if (this.#buf.length - offset < size) break;
      frames.push(Buffer.from(this.#buf.subarray(offset, offset + size)));
      offset += size;
    }
    this.#buf = offset === 0 ? this.#buf : Buffer.from(this.#buf.subarray(offset));
    return frames;
  }

  #poison(): null {
    this.#poisoned = true;
    this.#buf = Buffer.alloc(0);
    return null;
  }
}
