/**
 * bench:sfu media: synthetic VP8 and Opus RTP as a browser would send it, each packet ending in
 * a probe (stream id, the stream's own packet counter, send time on the machine's monotonic
 * clock) so a receiver can count losses per stream and measure the delay the SFU adds, whatever
 * the SFU rewrote in the RTP header.
 */

/** Where a synthetic stream is in its sequence. */
interface StreamState {
  ssrc: number;
  payloadType: number;
  sequence: number;
  timestamp: number;
  /** This stream's packet counter, carried in the probe (the SFU rewrites the RTP sequence). */
  counter: number;
}

const PROBE_MAGIC = 0x4c42; // 'LB'
/** magic (2) + stream id (4) + counter (4) + send time in ns (8). */
export const PROBE_BYTES = 18;
/** The RFC 6464 audio-level header extension id the publisher offers. */
export const AUDIO_LEVEL_EXT_ID = 1;
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
export const VP8_PT = 96;
export const OPUS_PT = 111;
/**
 * Most bytes of one video RTP packet: 500 kbit/s at 15 frames/s is then 3 packets a frame, 45
 * a second (with SRTP's tag and UDP/IP headers still under a 1500-byte MTU).
 */
const MAX_VIDEO_PACKET = 1420;

/** The machine's monotonic clock in nanoseconds (CLOCK_MONOTONIC: the same in every process). */
export const monotonicNs = (): bigint => process.hrtime.bigint();

function header(s: StreamState, marker: boolean, extension: Buffer | null, size: number): Buffer {
  const p = Buffer.alloc(size);
  p[0] = 0x80 | (extension ? 0x10 : 0);
  p[1] = (marker ? 0x80 : 0) | s.payloadType;
  p.writeUInt16BE(s.sequence, 2);
  p.writeUInt32BE(s.timestamp >>> 0, 4);
  p.writeUInt32BE(s.ssrc >>> 0, 8);
  if (extension) extension.copy(p, 12);
  s.sequence = (s.sequence + 1) & 0xffff;
  return p;
}

function writeProbe(p: Buffer, streamId: number, counter: number): void {
  const at = p.length - PROBE_BYTES;
  p.writeUInt16BE(PROBE_MAGIC, at);
  p.writeUInt32BE(streamId >>> 0, at + 2);
  p.writeUInt32BE(counter >>> 0, at + 6);
  p.writeBigUInt64BE(monotonicNs(), at + 10);
}

/** What a receiver reads from a probe. */
export interface Probe {
  streamId: number;
  counter: number;
  sentNs: bigint;
}

/** The probe at the end of an RTP packet, or null when the packet carries none. */
export function readProbe(p: Buffer): Probe | null {
  if (p.length < 12 + PROBE_BYTES) return null;
  const at = p.length - PROBE_BYTES;
  if (p.readUInt16BE(at) !== PROBE_MAGIC) return null;
  return { streamId: p.readUInt32BE(at + 2), counter: p.readUInt32BE(at + 6), sentNs: p.readBigUInt64BE(at + 10) };
}

/** True when an RTP/RTCP packet is RTCP (RFC 5761 demultiplexing on byte 1). */
export function isRtcp(p: Buffer): boolean {
  return p.length >= 2 && p[1]! >= 192 && p[1]! <= 223;
}

/** True when a compound RTCP packet holds a PLI (206/1) or FIR (206/4): the receiver wants a keyframe. */
export function wantsKeyframe(p: Buffer): boolean {
  for (let at = 0; at + 4 <= p.length; ) {
    const fmt = p[at]! & 0x1f;
    if (p[at + 1] === 206 && (fmt === 1 || fmt === 4)) return true;
    at += (p.readUInt16BE(at + 2) + 1) * 4;
  }
  return false;
}

/** Sends an RTP packet on a node-datachannel track; a track closed under us (the step is ending) drops it. */
export function sendPacket(track: { sendMessageBinary(p: Buffer): boolean }, packet: Buffer): void {
  try {
    track.sendMessageBinary(packet);
  } catch {
    // closed
  }
}

const randomUint32 = (): number => (Math.random() * 0x1_0000_0000) >>> 0;

/**
 * A VP8 camera: frames at `fps`, each cut into packets of at most 1420 bytes so the stream runs
 * at `bitrate`; keyframes (three times larger, with the VP8 start code) at the start and when
 * asked. Each packet has the VP8 payload descriptor Chromium writes (X, I: a 15-bit PictureID),
 * S on the first packet of a frame and the marker bit on its last.
 */
export class Vp8Source {
  readonly ssrc = randomUint32();
  readonly #s: StreamState;
  #pictureId = Math.floor(Math.random() * 0x7fff);
  #keyframeDue = true;
  #nextFrameAt = 0;
  readonly #frameBytes: number;

  constructor(
    readonly streamId: number,
    readonly bitrate: number,
    readonly fps: number,
  ) {
    this.#s = { ssrc: this.ssrc, payloadType: VP8_PT, sequence: randomUint32() & 0xffff, timestamp: randomUint32(), counter: 0 };
    this.#frameBytes = Math.max(200, Math.round(bitrate / 8 / fps));
  }

  /** The next keyframe is sent at the next frame (a PLI or FIR came). */
  requestKeyframe(): void {
    this.#keyframeDue = true;
  }

  /** The packets of the frame due at `nowMs` (performance.now()), or none when it is not time yet. */
  due(nowMs: number): Buffer[] {
    if (this.#nextFrameAt > nowMs) return [];
    // A late clock sends the frame now and keeps the cadence, but never catches up a backlog.
    this.#nextFrameAt = Math.max(this.#nextFrameAt + 1000 / this.fps, nowMs - 100);
    return this.nextFrame();
  }

  /** The packets of the next frame. */
  nextFrame(): Buffer[] {
    const key = this.#keyframeDue;
    this.#keyframeDue = false;
    const bytes = key ? this.#frameBytes * 3 : this.#frameBytes;
    const count = Math.max(1, Math.ceil(bytes / (MAX_VIDEO_PACKET - 12 - 4)));
    const size = Math.min(MAX_VIDEO_PACKET, 12 + 4 + Math.ceil(bytes / count));
    const packets: Buffer[] = [];
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    for (let i = 0; i < count; i++) {
      const p = header(this.#s, i === count - 1, null, Math.max(size, 12 + 4 + 10 + PROBE_BYTES));
      // Payload descriptor: X=1, S on the frame's first packet, partition 0; I=1; M=1 + PictureID.
      p[12] = 0x80 | (i === 0 ? 0x10 : 0);
      p[13] = 0x80;
      p.writeUInt16BE(0x8000 | this.#pictureId, 14);
      if (i === 0) {
        // VP8 payload header: P (lowest bit) clear on a keyframe, show_frame set; a keyframe's
        // start code and a 1280×720 size follow.
        p[16] = key ? 0x10 : 0x11;
        if (key) {
          p.set([0x9d, 0x01, 0x2a], 19);
          p.writeUInt16LE(1280, 22);
          p.writeUInt16LE(720, 24);
        }
      }
      writeProbe(p, this.streamId, this.#s.counter++);
      packets.push(p);
    }
    this.#s.timestamp = (this.#s.timestamp + Math.round(90_000 / this.fps)) >>> 0;
    return packets;
  }
}

/**
 * An Opus microphone: one 20 ms packet (50 per second) of about 32 kbit/s, with the RFC 6464
 * audio level a speaking (`loud`) or quiet participant's browser would write.
 */
export class OpusSource {
  readonly ssrc = randomUint32();
  readonly #s: StreamState;
  readonly #extension = Buffer.alloc(8);

  constructor(
    readonly streamId: number,
    loud: boolean,
  ) {
    this.#s = { ssrc: this.ssrc, payloadType: OPUS_PT, sequence: randomUint32() & 0xffff, timestamp: randomUint32(), counter: 0 };
    // One-byte header extension block (0xBEDE), one element of one byte: V=1 + level in -dBov.
    this.#extension.writeUInt16BE(0xbede, 0);
    this.#extension.writeUInt16BE(1, 2);
    this.#extension[4] = (AUDIO_LEVEL_EXT_ID << 4) | 0;
    this.#extension[5] = 0x80 | (loud ? 20 : 90);
  }

  /** The next 20 ms packet. */
  nextPacket(): Buffer {
    const p = header(this.#s, false, this.#extension, 12 + this.#extension.length + 80);
    p[12 + this.#extension.length] = 0xfc; // Opus TOC: CELT FB 20 ms, one frame
    writeProbe(p, this.streamId, this.#s.counter++);
    this.#s.timestamp = (this.#s.timestamp + 960) >>> 0;
    return p;
  }
}
