import { isH264KeyframeStart, isVp8KeyframeStart, parseRtp, rewriteRtp, type RtpHeader } from './rtp.js';

/** Codec of a forwarded stream, as far as keyframe detection cares. */
export type SlotCodec = 'opus' | 'VP8' | 'H264';

/**
 * One outgoing stream to one subscriber: a fixed SSRC and payload type that carry whichever
 * source the SFU assigns. Sequence numbers and timestamps are rewritten so the receiver sees
 * one continuous stream across source changes; a video slot switches only on a keyframe.
 */
export class OutboundSlot {
  /** SSRC of the source now forwarded, or null. */
  #source: number | null = null;
  #sourcePayloadTypes = new Map<number, SlotCodec>();
  #waitingForKeyframe = false;
  /** A layer switch in progress: the stream to take over at its next keyframe. */
  #next: { ssrc: number; payloadTypes: Map<number, SlotCodec> } | null = null;
  #seqOffset = 0;
  #tsOffset = 0;
  #lastSeq = -1;
  #lastTs = 0;
  #lastSentAt = 0;
  #started = false;
  /** Packets and payload octets forwarded (for sender reports). */
  packets = 0;
  octets = 0;
  /** Outgoing payload type per codec the receiver accepted; the slot's own type for the rest. */
  readonly #codecPayloadTypes = new Map<SlotCodec, number | null>();

  constructor(
    readonly ssrc: number,
    readonly payloadType: number,
    readonly kind: 'audio' | 'video',
    private readonly clockRate: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Sets the outgoing payload type for a codec (a video slot offers VP8 and H.264, each with
   * its own type), or null when the receiver did not accept that codec: a source in it is
   * then not forwarded on this slot.
   */
  setCodecPayloadType(codec: SlotCodec, payloadType: number | null): void {
    this.#codecPayloadTypes.set(codec, payloadType);
  }

  get source(): number | null {
    return this.#source;
  }

  /** True while a video slot waits for the new source's keyframe (a switch, or a layer switch). */
  get waitingForKeyframe(): boolean {
    return this.#waitingForKeyframe || this.#next !== null;
  }

  /** The source a layer switch waits to take over, or null. */
  get nextSource(): number | null {
    return this.#next?.ssrc ?? null;
  }

  /**
   * Points the slot at another source (or none). `payloadTypes` maps the source's payload
   * types to codecs; packets with other types (RTX, FEC) are not forwarded.
   *
   * `seamless` is for another layer of the same picture (simulcast): the current source goes
   * on being forwarded until the new one's keyframe arrives, so the receiver never freezes.
   * Otherwise (another participant) the old source stops at once.
   */
  setSource(ssrc: number | null, payloadTypes: ReadonlyMap<number, SlotCodec> = new Map(), options: { seamless?: boolean } = {}): void {
    if (ssrc === this.#source) {
      this.#next = null;
      return;
    }
    if (options.seamless && ssrc !== null && this.kind === 'video' && this.#started) {
      this.#next = { ssrc, payloadTypes: new Map(payloadTypes) };
      return;
    }
    this.#next = null;
    this.#source = ssrc;
    this.#sourcePayloadTypes = new Map(payloadTypes);
    this.#waitingForKeyframe = this.kind === 'video' && ssrc !== null;
    this.#started = false;
  }

  /**
   * Rewrites a source packet for this slot, or returns null when it is not forwarded (other
   * source, unknown payload type, or a video slot still waiting for a keyframe). The packet is
   * copied; the caller's buffer is untouched.
   */
  forward(packet: Uint8Array, header: RtpHeader | null = parseRtp(packet)): Buffer | null {
    if (!header) return null;
    if (this.#next && header.ssrc === this.#next.ssrc) {
      const codec = this.#next.payloadTypes.get(header.payloadType);
      if (!codec || !isKeyframeStart(codec, packet, header)) return null;
      // The new layer's keyframe: it takes over here, numbering continues.
      this.#source = this.#next.ssrc;
      this.#sourcePayloadTypes = this.#next.payloadTypes;
      this.#next = null;
      this.#started = false;
      this.#waitingForKeyframe = false;
    }
    if (header.ssrc !== this.#source) return null;
    const codec = this.#sourcePayloadTypes.get(header.payloadType);
    if (!codec) return null;
    const payloadType = this.#codecPayloadTypes.has(codec) ? this.#codecPayloadTypes.get(codec)! : this.payloadType;
    if (payloadType === null) return null;
    if (!this.#started) {
      if (this.#waitingForKeyframe) {
        if (!isKeyframeStart(codec, packet, header)) return null;
        this.#waitingForKeyframe = false;
      }
      this.#join(header);
    }
    const sequence = (header.sequence + this.#seqOffset) & 0xffff;
    const timestamp = (header.timestamp + this.#tsOffset) >>> 0;
    const out = Buffer.from(packet);
    rewriteRtp(out, { ssrc: this.ssrc, payloadType, sequence, timestamp });
    // Track the newest packet only; late (reordered) ones keep their place.
    if (this.#lastSeq < 0 || ((sequence - this.#lastSeq) & 0xffff) < 0x8000) {
      this.#lastSeq = sequence;
      this.#lastTs = timestamp;
      this.#lastSentAt = this.now();
    }
    this.packets++;
    this.octets += packet.length - header.payloadOffset - header.padding;
    return out;
  }

  /**
   * The slot's timestamp for a source timestamp, for translating the source's sender reports
   * (so receivers keep audio and video in sync); null while the source is not being forwarded.
   */
  translateTimestamp(sourceSsrc: number, timestamp: number): number | null {
    if (sourceSsrc !== this.#source || !this.#started) return null;
    return (timestamp + this.#tsOffset) >>> 0;
  }

  /** Continues the outgoing numbering from where the previous source left off. */
  #join(h: RtpHeader): void {
    this.#started = true;
    if (this.#lastSeq < 0) {
      // First source ever: forward its numbers as they are.
      this.#seqOffset = 0;
      this.#tsOffset = 0;
      return;
    }
    this.#seqOffset = (this.#lastSeq + 1 - h.sequence) & 0xffff;
    // Advance the clock by the wall time since the last packet (at least one tick), so the
    // receiver's jitter buffer sees time move forward, not jump.
    const elapsed = Math.max(1, Math.round(((this.now() - this.#lastSentAt) * this.clockRate) / 1000));
    this.#tsOffset = (this.#lastTs + elapsed - h.timestamp) >>> 0;
  }
}

/** True when a packet starts a keyframe (any audio packet counts: audio can switch anywhere). */
function isKeyframeStart(codec: SlotCodec, packet: Uint8Array, header: RtpHeader): boolean {
  const payload = packet.subarray(header.payloadOffset, packet.length - header.padding);
  return codec === 'VP8' ? isVp8KeyframeStart(payload) : codec === 'H264' ? isH264KeyframeStart(payload) : true;
}
