import type { Logger } from 'pino';
import type { ServerMessage } from '@lectern/protocol';
import { buildSenderReport, type Feedback, type RtpHeader, type SenderReport } from './rtp.js';
import { selectSlots } from './selection.js';
import { SfuPeer, type SfuNetwork, type SfuPeerHost, type SubscriberSlot } from './sfu-peer.js';

/** SFU settings. */
export interface SfuOptions {
  network: SfuNetwork;
  /** Most video streams a receiver gets at once (last-N). */
  lastN: number;
  /** Most audio streams a receiver gets at once: the loudest speakers. */
  audioSlots: number;
}

/** How a room reaches a participant's client. */
export type SendTo = (participantId: string, message: ServerMessage) => void;

/** A speaker keeps its slot this long after it last spoke. */
const SPEAKER_HOLD_MS = 2000;
/** How much louder (0..1 scale) a newcomer must be to take an audio slot. */
const LEVEL_MARGIN = 0.1;

/**
 * One session's media at the SFU: a {@link SfuPeer} per participant, and the routing that
 * fills each receiver's slots: video from up to `lastN` others (the most recent speakers
 * first), audio from the loudest few. Routing changes never renegotiate; the receiver is
 * told which participant a slot carries with `sfu-slots`.
 */
export class SfuRoom {
  /** Participants in join order (a re-join moves to the end), the tie-breaker for slots. */
  readonly #peers = new Map<string, SfuPeer>();
  /** Media a host turned off, per participant: none of it is forwarded (it outlives re-joins). */
  readonly #forcedOff = new Map<string, { audio: boolean; video: boolean }>();
  #ticker: NodeJS.Timeout;
  #closed = false;

  constructor(
    readonly code: string,
    private readonly options: SfuOptions,
    private readonly sendTo: SendTo,
    private readonly log: Logger,
  ) {
    // Speaker changes re-rank the slots a few times a second.
    this.#ticker = setInterval(() => this.#assignAll(), 400);
    this.#ticker.unref();
  }

  get size(): number {
    return this.#peers.size;
  }

  peer(id: string): SfuPeer | undefined {
    return this.#peers.get(id);
  }

  /** Adds a participant (replacing an earlier peer of the same id, e.g. after a reconnect). */
  add(participantId: string): SfuPeer {
    this.remove(participantId);
    const host: SfuPeerHost = {
      send: (m) => this.sendTo(participantId, m),
      media: (p, kind, packet, header) => this.#media(p, kind, packet, header),
      feedback: (_p, slot, fb) => this.#feedback(slot, fb),
      senderReport: (p, sr) => this.#senderReport(p, sr),
      failed: (p, reason) => this.log.info({ code: this.code, participant: p.participantId, reason }, 'sfu connection failed'),
    };
    const peer = new SfuPeer(participantId, this.options.network, { video: this.options.lastN, audio: this.options.audioSlots }, host);
    this.#peers.set(participantId, peer);
    this.#assignAll();
    return peer;
  }

  /** Removes a participant; every receiver stops getting its media at once. */
  remove(participantId: string): void {
    const peer = this.#peers.get(participantId);
    if (!peer) return;
    this.#peers.delete(participantId);
    peer.close();
    this.#assignAll();
  }

  /** Stops (or resumes) forwarding a participant's audio or video to everyone. */
  setForcedOff(participantId: string, off: { audio: boolean; video: boolean }): void {
    if (!off.audio && !off.video) this.#forcedOff.delete(participantId);
    else this.#forcedOff.set(participantId, { ...off });
    this.#assignAll();
  }

  #forwards(participantId: string, kind: 'audio' | 'video'): boolean {
    return !this.#forcedOff.get(participantId)?.[kind];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }

  // ---- media ----------------------------------------------------------------------------

  #media(from: SfuPeer, kind: 'audio' | 'video', packet: Buffer, header: RtpHeader): void {
    if (!this.#forwards(from.participantId, kind)) return;
    for (const peer of this.#peers.values()) {
      if (peer === from) continue;
      for (const s of kind === 'audio' ? peer.audioSlots : peer.videoSlots) {
        if (s.participantId !== from.participantId) continue;
        if (s.slot.source !== header.ssrc) {
          // First packet of this publisher (or it restarted its stream): follow its SSRC.
          s.slot.setSource(header.ssrc, from.payloadTypes);
        }
        const out = s.slot.forward(packet, header);
        if (out) peer.sendOn(s, out);
        else if (s.slot.waitingForKeyframe) from.requestKeyframe();
      }
    }
  }

  /** A publisher's sender report, translated for every slot that carries that stream. */
  #senderReport(from: SfuPeer, sr: SenderReport): void {
    for (const peer of this.#peers.values()) {
      if (peer === from) continue;
      for (const s of [...peer.audioSlots, ...peer.videoSlots]) {
        if (s.participantId !== from.participantId) continue;
        const rtpTimestamp = s.slot.translateTimestamp(sr.ssrc, sr.rtpTimestamp);
        if (rtpTimestamp === null) continue;
        peer.sendOn(s, buildSenderReport({ ...sr, ssrc: s.slot.ssrc, rtpTimestamp }, s.slot.packets, s.slot.octets));
      }
    }
  }

  /** A receiver's PLI or FIR for a slot asks that slot's source for a keyframe. */
  #feedback(slot: SubscriberSlot, fb: Feedback): void {
    if (fb.kind !== 'keyframe' || !slot.participantId) return;
    this.#peers.get(slot.participantId)?.requestKeyframe();
  }

  // ---- routing --------------------------------------------------------------------------

  /** Re-ranks the sources and refills every receiver's slots; tells receivers what changed. */
  #assignAll(): void {
    if (this.#closed) return;
    const now = performance.now();
    const recent = (p: SfuPeer) => now - p.lastSpokeAt < SPEAKER_HOLD_MS;
    // Video: recent speakers first; audio: the loudest. Sorting is stable, so ties keep join order.
    const bySpeech = [...this.#peers.values()].sort((a, b) => Number(recent(b)) - Number(recent(a)));
    const byLevel = [...this.#peers.values()].sort((a, b) => b.audioLevel - a.audioLevel);
    // A source in a slot stays until a challenger clearly beats it, so slots do not flap.
    const videoBeats = (challenger: SfuPeer, holder: SfuPeer) => recent(challenger) && !recent(holder);
    const audioBeats = (challenger: SfuPeer, holder: SfuPeer) => challenger.audioLevel > holder.audioLevel + LEVEL_MARGIN && !recent(holder);
    for (const receiver of this.#peers.values()) {
      const others = (list: SfuPeer[]) => list.filter((p) => p !== receiver);
      const changes = [
        ...selectSlots(receiver.videoSlots, others(bySpeech.filter((p) => p.sendingVideo && this.#forwards(p.participantId, 'video'))), videoBeats),
        ...selectSlots(receiver.audioSlots, others(byLevel.filter((p) => p.sendingAudio && this.#forwards(p.participantId, 'audio'))), audioBeats),
      ];
      for (const { slot, source } of changes) {
        slot.participantId = source?.participantId ?? null;
        slot.slot.setSource(source ? (slot.slot.kind === 'audio' ? source.audioSsrc : source.videoSsrc) : null, source?.payloadTypes);
        if (source && slot.slot.kind === 'video') source.requestKeyframe();
      }
      if (changes.length > 0) {
        this.sendTo(receiver.participantId, {
          type: 'sfu-slots',
          slots: [...receiver.audioSlots, ...receiver.videoSlots].map((s) => ({
            mid: s.mid,
            kind: s.slot.kind,
            participantId: s.participantId,
          })),
        });
      }
    }
  }
}
