import type { Logger } from 'pino';
import type { ServerMessage } from '@lectern/protocol';
import { buildSenderReport, type Feedback, type RtpHeader, type SenderReport } from './rtp.js';
import { chooseLayers, type VideoLayer } from './layers.js';
import { selectSlots } from './selection.js';
import { SfuPeer, type PublishedKind, type SfuNetwork, type SfuPeerHost, type SubscriberSlot } from './sfu-peer.js';
import { SendPath } from './send-path.js';

/** SFU settings. */
export interface SfuOptions {
  network: SfuNetwork;
  /** Most video streams a receiver gets at once (last-N). */
  lastN: number;
  /** Most audio streams a receiver gets at once: the loudest speakers. */
  audioSlots: number;
  /** Testing aid (`--sfu-test-loss`): the fraction of forwarded RTP to drop; 0 or absent in real use. */
  testLoss?: number;
  /** Shared screens a receiver gets at once, outside last-N (default {@link DEFAULT_SCREEN_SLOTS}). */
  screenSlots?: number;
}

/** Two people may share their screens at once (as in mesh). */
export const DEFAULT_SCREEN_SLOTS = 2;

/** How a room reaches a participant's client. */
export type SendTo = (participantId: string, message: ServerMessage) => void;

/** A speaker keeps its slot this long after it last spoke. */
const SPEAKER_HOLD_MS = 2000;
/** A participant whose SFU connection failed is set up again at most this often. */
export const PEER_RESTART_EVERY_MS = 10_000;
/** How much louder (0..1 scale) a newcomer must be to take an audio slot. */
const LEVEL_MARGIN = 0.1;
/** A tile height assumed until the receiver reports its layout. */
const DEFAULT_VIEW_HEIGHT = 360;
/**
 * A receiver's REMB is capped at about 1.5 × what it receives, so it never shows room for a
 * larger layer by itself: the budget is the estimate times this. A link that cannot carry the
 * result makes the estimate fall below the rate, and the layers step down.
 */
const ESTIMATE_HEADROOM = 1.5;
/** An estimate older than this no longer limits anything. */
const ESTIMATE_STALE_MS = 5000;

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
  /** When each participant's connections were last set up again after a failure. */
  readonly #restartedAt = new Map<string, number>();
  readonly #restartTimers = new Set<ReturnType<typeof setTimeout>>();
  #ticker: NodeJS.Timeout;
  #closed = false;

  constructor(
    readonly code: string,
    private readonly options: SfuOptions,
    private readonly sendTo: SendTo,
    private readonly log: Logger,
    /** Shared by the SFU's rooms, so its counters cover the whole server. */
    private readonly sendPath = new SendPath(options.testLoss ?? 0),
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
      feedback: (p, slot, fb) => this.#feedback(p, slot, fb),
      senderReport: (p, sr) => this.#senderReport(p, sr),
      // A publisher's new layer: every receiver may pick it now rather than at the next tick.
      layersChanged: (p) => {
        for (const receiver of this.#peers.values()) if (receiver !== p) this.#chooseLayers(receiver);
      },
      failed: (p, reason) => this.#failed(p, reason),
    };
    const slots = { video: this.options.lastN, audio: this.options.audioSlots, screen: this.options.screenSlots ?? DEFAULT_SCREEN_SLOTS };
    const peer = new SfuPeer(participantId, this.options.network, slots, host, this.sendPath);
    this.#peers.set(participantId, peer);
    this.#assignAll();
    return peer;
  }

  /**
   * A participant's publish or subscribe connection failed (ICE gave up: a network change, a
   * relay that lost its permission). libdatachannel cannot restart ICE, so the participant's
   * connections are made anew: `sfu-restart` tells the client to do the same (at most every
   * {@link PEER_RESTART_EVERY_MS}, so a dead network does not spin).
   */
  #failed(peer: SfuPeer, reason: string): void {
    const id = peer.participantId;
    if (this.#closed || this.#peers.get(id) !== peer) return;
    const wait = (this.#restartedAt.get(id) ?? -Infinity) + PEER_RESTART_EVERY_MS - performance.now();
    this.log.info({ participant: id, reason, restartInMs: Math.max(0, Math.round(wait)) }, 'sfu connection failed; setting it up again');
    const restart = () => {
      if (this.#closed || this.#peers.get(id) !== peer) return;
      this.#restartedAt.set(id, performance.now());
      this.sendTo(id, { type: 'sfu-restart' });
      this.add(id);
    };
    if (wait <= 0) return restart();
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      restart();
    }, wait);
    timer.unref();
    this.#restartTimers.add(timer);
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
    for (const t of this.#restartTimers) clearTimeout(t);
    this.#restartTimers.clear();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }

  // ---- media ----------------------------------------------------------------------------

  #media(from: SfuPeer, kind: PublishedKind, packet: Buffer, header: RtpHeader): void {
    // A host's "camera off" or "mute" does not stop a shared screen (`stop-screen` does, at the client).
    if (kind !== 'screen' && !this.#forwards(from.participantId, kind)) return;
    for (const peer of this.#peers.values()) {
      if (peer === from) continue;
      for (const s of slotsOf(peer, kind)) {
        if (s.participantId !== from.participantId) continue;
        if (kind !== 'video' && s.slot.source !== header.ssrc) {
          // First packet of this publisher (or it restarted its stream): follow its SSRC.
          s.slot.setSource(header.ssrc, from.payloadTypes);
        }
        const out = s.slot.forward(packet, header);
        if (out) peer.forwardOn(s, out);
        else if (s.slot.waitingForKeyframe) from.requestKeyframe(s.slot.nextSource ?? s.slot.source);
      }
    }
  }

  /**
   * Points each of a receiver's video slots at the layer of its participant's video that fits
   * the tile it is shown in, within the receiver's bandwidth. Another layer of the same picture
   * takes over at its keyframe (no freeze); another participant takes over at once.
   */
  #chooseLayers(receiver: SfuPeer): void {
    const now = performance.now();
    const slots = receiver.videoSlots.filter((s) => s.participantId !== null);
    const estimate = receiver.estimate && now - receiver.estimate.at < ESTIMATE_STALE_MS ? receiver.estimate.bitrate * ESTIMATE_HEADROOM : Infinity;
    const picks = chooseLayers(
      slots.map((s) => ({
        key: s,
        layers: this.#peers.get(s.participantId!)?.layers.active(now) ?? [],
        wantHeight: receiver.views.get(s.participantId!) ?? DEFAULT_VIEW_HEIGHT,
        current: s.slot.source,
      })),
      estimate,
    );
    for (const [s, layer] of picks) this.#point(s, this.#peers.get(s.participantId!), layer);
  }

  /** Sets a video slot's source to a layer of `source` (or nothing); asks for the keyframe it needs. */
  #point(s: SubscriberSlot, source: SfuPeer | undefined, layer: VideoLayer | null): void {
    const ssrc = layer?.ssrc ?? null;
    if (ssrc === s.slot.source && s.slot.nextSource === null) return;
    const sameParticipant = s.slot.source !== null && source?.layers.bySsrc(s.slot.source) !== undefined;
    s.slot.setSource(ssrc, source?.payloadTypes, { seamless: sameParticipant });
    if (source && s.slot.waitingForKeyframe) source.requestKeyframe(s.slot.nextSource ?? s.slot.source);
  }

  /** A receiver's report of the tile sizes it shows (device pixels), by participant. */
  view(receiverId: string, views: ReadonlyArray<{ participantId: string; height: number }>): void {
    const receiver = this.#peers.get(receiverId);
    if (!receiver) return;
    receiver.views.clear();
    for (const v of views) receiver.views.set(v.participantId, v.height);
    this.#chooseLayers(receiver);
  }

  /** A publisher's sender report, translated for every slot that carries that stream. */
  #senderReport(from: SfuPeer, sr: SenderReport): void {
    for (const peer of this.#peers.values()) {
      if (peer === from) continue;
      for (const s of [...peer.audioSlots, ...peer.videoSlots, ...peer.screenSlots]) {
        if (s.participantId !== from.participantId) continue;
        const rtpTimestamp = s.slot.translateTimestamp(sr.ssrc, sr.rtpTimestamp);
        if (rtpTimestamp === null) continue;
        peer.sendOn(s, buildSenderReport({ ...sr, ssrc: s.slot.ssrc, rtpTimestamp }, s.slot.packets, s.slot.octets));
      }
    }
  }

  /**
   * A receiver's feedback on a slot: a NACK is answered from the slot's cache; a PLI or FIR asks
   * the slot's source for a keyframe (rate-limited per source).
   */
  #feedback(receiver: SfuPeer, slot: SubscriberSlot, fb: Feedback): void {
    switch (fb.kind) {
      case 'nack':
        receiver.retransmitOn(slot, fb.lost);
        return;
      case 'remb':
        receiver.estimate = { bitrate: fb.bitrate, at: performance.now() };
        return;
      case 'keyframe':
        if (slot.participantId) this.#peers.get(slot.participantId)?.requestKeyframe(slot.slot.nextSource ?? slot.slot.source);
        return;
    }
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
    // Screens: everyone sharing, in join order; a screen keeps its slot until it stops.
    const sharing = [...this.#peers.values()].filter((p) => p.sendingScreen);
    // A source in a slot stays until a challenger clearly beats it, so slots do not flap.
    const audioBeats = (challenger: SfuPeer, holder: SfuPeer) => challenger.audioLevel > holder.audioLevel + LEVEL_MARGIN && !recent(holder);
    for (const receiver of this.#peers.values()) {
      const others = (list: SfuPeer[]) => list.filter((p) => p !== receiver);
      // Whom this receiver shows on screen (its page of the grid) comes before everyone else;
      // a receiver that never said keeps the speaker order.
      const shown = (p: SfuPeer) => (receiver.views.get(p.participantId) ?? DEFAULT_VIEW_HEIGHT) > 0;
      const byView = [...bySpeech].sort((a, b) => Number(shown(b)) - Number(shown(a)));
      const videoBeats = (challenger: SfuPeer, holder: SfuPeer) =>
        (shown(challenger) && !shown(holder)) || (shown(challenger) === shown(holder) && recent(challenger) && !recent(holder));
      const changes = [
        ...selectSlots(receiver.videoSlots, others(byView.filter((p) => p.sendingVideo && this.#forwards(p.participantId, 'video'))), videoBeats),
        ...selectSlots(receiver.audioSlots, others(byLevel.filter((p) => p.sendingAudio && this.#forwards(p.participantId, 'audio'))), audioBeats),
        ...selectSlots(receiver.screenSlots, others(sharing), () => false),
      ];
      for (const { slot, source } of changes) {
        slot.participantId = source?.participantId ?? null;
        // Video slots get their layer below; a new participant's stream starts from scratch.
        if (slot.kind === 'audio') slot.slot.setSource(source?.audioSsrc ?? null, source?.payloadTypes);
        else if (slot.kind === 'video') slot.slot.setSource(null);
        else {
          slot.slot.setSource(source?.screenSsrc ?? null, source?.payloadTypes);
          if (source && slot.slot.waitingForKeyframe) source.requestKeyframe(source.screenSsrc);
        }
      }
      this.#chooseLayers(receiver);
      if (changes.length > 0) {
        this.sendTo(receiver.participantId, {
          type: 'sfu-slots',
          slots: [...receiver.audioSlots, ...receiver.videoSlots, ...receiver.screenSlots].map((s) => ({
            mid: s.mid,
            kind: s.kind,
            participantId: s.participantId,
          })),
        });
      }
    }
    this.#pauseUnwatchedLayers(now);
  }

  /**
   * Tells each publisher which simulcast layers anyone needs: up to the largest any receiver's
   * tile wants (see {@link SentLayers} for when a layer pauses and returns).
   */
  #pauseUnwatchedLayers(now: number): void {
    for (const publisher of this.#peers.values()) {
      const rids = publisher.layers.rids;
      if (rids.length < 2) continue;
      let wanted = -1;
      for (const receiver of this.#peers.values()) {
        if (receiver === publisher) continue;
        if (!receiver.videoSlots.some((s) => s.participantId === publisher.participantId)) continue;
        wanted = Math.max(wanted, publisher.layers.indexFor(receiver.views.get(publisher.participantId) ?? DEFAULT_VIEW_HEIGHT));
      }
      const active = publisher.sentLayers.update(wanted, now);
      if (active !== null) this.sendTo(publisher.participantId, { type: 'sfu-layers', active: rids.slice(0, active) });
    }
  }
}

/** A receiver's slots that carry one kind of published stream. */
function slotsOf(receiver: SfuPeer, kind: PublishedKind): readonly SubscriberSlot[] {
  return kind === 'audio' ? receiver.audioSlots : kind === 'video' ? receiver.videoSlots : receiver.screenSlots;
}
