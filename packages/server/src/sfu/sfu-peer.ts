import ndc from 'node-datachannel';
import type { IceCandidate, ServerMessage } from '@lectern/protocol';
import { PublishedLayers } from './layers.js';
import { SentLayers } from './layer-pause.js';
import { audioLevel as levelOf, buildPli, findExtension, isRtcp, parseRtp, readFeedback, readSenderReports, type Feedback, type RtpHeader, type SenderReport } from './rtp.js';
import { acceptedCodecs, addSimulcastSsrcs, filterPublishOffer, fixSimulcastAnswer, mediaSections } from './sdp.js';
import { RateGate, RetransmitCache } from './retransmit.js';
import { SendPath } from './send-path.js';
import { OutboundSlot, type SlotCodec } from './slot.js';

/** How the SFU's peer connections reach the network. */
export interface SfuNetwork {
  /** The one UDP port every peer connection shares (ICE UDP mux). */
  port: number;
  /** Address to bind and announce; undefined binds every interface. */
  bindAddress?: string;
}

/** What a published stream carries: the microphone, the camera (simulcast) or a shared screen. */
export type PublishedKind = 'audio' | 'video' | 'screen';

/** What a peer reports up to its room. */
export interface SfuPeerHost {
  send(message: ServerMessage): void;
  media(peer: SfuPeer, kind: PublishedKind, packet: Buffer, header: RtpHeader): void;
  feedback(peer: SfuPeer, slot: SubscriberSlot, feedback: Feedback): void;
  senderReport(peer: SfuPeer, report: SenderReport): void;
  /** The publisher's video gained a layer (a new SSRC): receivers may pick it now. */
  layersChanged(peer: SfuPeer): void;
  failed(peer: SfuPeer, reason: string): void;
}

/** One outgoing slot and the libdatachannel track that carries it. */
export interface SubscriberSlot {
  mid: string;
  kind: PublishedKind;
  slot: OutboundSlot;
  track: ndc.Track;
  /** Participant whose media the slot carries now, or null. */
  participantId: string | null;
  /** What was recently sent on a video slot, to answer the receiver's NACKs; null for audio. */
  retransmit: RetransmitCache | null;
}

const VIDEO_PT = 96;
/** H.264 in the subscribe offer: constrained baseline, packetization mode 1 (what every browser decodes). */
const H264_PT = 102;
const H264_FMTP = 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1';
const AUDIO_PT = 111;
/** Publishers are asked to send up to this much video. */
const PUBLISH_BITRATE = 2_500_000;
/** ...plus this much for a shared screen (the client caps its screen encoding at 2.5 Mbps). */
const SCREEN_BITRATE = 2_500_000;
const KEYFRAME_INTERVAL_MS = 300;
/** The SSRC the SFU's feedback to publishers comes from (it sends no media on that connection). */
const PLI_SENDER_SSRC = 1;
/** A publisher silent this long is taken out of every receiver's slots. */
const SILENT_AFTER_MS = 2500;
/**
 * A shared screen that shows nothing new sends few frames (Chromium repeats an idle screen's
 * last frame about once a second), so its silence is judged more patiently. The receivers'
 * layout follows the `screen-share` announcement, not this.
 */
const SCREEN_SILENT_AFTER_MS = 5000;

let nextSsrc = 0x1000_0000 + Math.floor(Math.random() * 0x1000_0000);

/**
 * One participant's media at the SFU: a publish connection (the browser offers its audio and
 * video; the SFU only receives) and a subscribe connection (the SFU offers fixed audio and video
 * slots; which participant a slot carries changes without renegotiation).
 */
export class SfuPeer {
  #publish: ndc.PeerConnection | null = null;
  readonly #subscribe: ndc.PeerConnection;
  #audioIn: ndc.Track | null = null;
  #videoIn: ndc.Track | null = null;
  #screenIn: ndc.Track | null = null;
  /** Mids of the publish offer's first video section (the camera) and second (a shared screen; null: none). */
  #cameraMid: string | null = null;
  #screenMid: string | null = null;
  #audioLevelId: number | null = null;
  #ridId: number | null = null;
  /** Simulcast layer SSRC → rid, as the client reported them (packets stop carrying the rid). */
  #ridBySsrc = new Map<number, string>();
  /** The publisher's video layers (one, without simulcast). */
  layers = new PublishedLayers([]);
  /** As a publisher: how many of its simulcast layers (lowest first) it is told to send. */
  readonly sentLayers = new SentLayers(3, performance.now());
  /** As a receiver: the tile height (device pixels) it shows each participant at, from `sfu-view`. */
  readonly views = new Map<string, number>();
  /** As a receiver: its bandwidth estimate (REMB, bits per second) and when it came. */
  estimate: { bitrate: number; at: number } | null = null;
  /** Publisher payload type → codec, from its (filtered) offer. */
  #payloadTypes = new Map<number, SlotCodec>();
  /** SSRC of the publisher's audio stream, learned from packets. */
  audioSsrc: number | null = null;
  /** SSRC of the publisher's shared screen (one stream, no simulcast), learned from packets. */
  screenSsrc: number | null = null;
  readonly videoSlots: SubscriberSlot[] = [];
  readonly audioSlots: SubscriberSlot[] = [];
  /** As a receiver: slots for shared screens, forwarded whatever last-N says. */
  readonly screenSlots: SubscriberSlot[] = [];
  readonly #keyframes = new Map<number, RateGate>();
  #closed = false;
  /** Smoothed audio level 0..1 and when it was last loud, for speaker selection. */
  audioLevel = 0;
  lastSpokeAt = 0;
  #lastAudioAt = -Infinity;
  #lastVideoAt = -Infinity;
  #lastScreenAt = -Infinity;

  constructor(
    readonly participantId: string,
    private readonly network: SfuNetwork,
    slots: { video: number; audio: number; screen: number },
    private readonly host: SfuPeerHost,
    /** Counts (and, with the test loss, drops) what is sent on this peer's slots. */
    private readonly sendPath = new SendPath(),
  ) {
    this.#subscribe = this.#newConnection('subscribe');
    for (let i = 0; i < slots.audio; i++) this.audioSlots.push(this.#addSlot('audio', i));
    for (let i = 0; i < slots.video; i++) this.videoSlots.push(this.#addSlot('video', i));
    for (let i = 0; i < slots.screen; i++) this.screenSlots.push(this.#addSlot('screen', i));
    this.#subscribe.onLocalDescription((sdp, type) => {
      if (type === 'offer') this.host.send({ type: 'sfu-subscribe-offer', sdp });
    });
    this.#subscribe.setLocalDescription('offer');
  }

  /** True while video packets arrive (a camera that is off, or a dead publisher, sends none). */
  get sendingVideo(): boolean {
    return performance.now() - this.#lastVideoAt < SILENT_AFTER_MS;
  }

  /** True while audio packets arrive. */
  get sendingAudio(): boolean {
    return performance.now() - this.#lastAudioAt < SILENT_AFTER_MS;
  }

  /** True while a shared screen's packets arrive. */
  get sendingScreen(): boolean {
    return performance.now() - this.#lastScreenAt < SCREEN_SILENT_AFTER_MS;
  }

  /** Payload types of this publisher's streams. */
  get payloadTypes(): ReadonlyMap<number, SlotCodec> {
    return this.#payloadTypes;
  }

  /** The browser's offer to publish; answered with `sfu-publish-answer`. Throws on an unusable offer. */
  publish(sdp: string, ssrcs: ReadonlyArray<{ rid: string; ssrc: number }> = []): void {
    // VP8 or H.264, whichever the browser lists first (its preference).
    const filtered = addSimulcastSsrcs(filterPublishOffer(sdp, ['VP8', 'H264']), ssrcs);
    for (const { rid, ssrc } of ssrcs) this.#ridBySsrc.set(ssrc, rid);
    const sections = mediaSections(filtered);
    this.#audioLevelId = sections.find((s) => s.kind === 'audio')?.audioLevelId ?? null;
    const [video, screen] = sections.filter((s) => s.kind === 'video');
    this.#cameraMid = video?.mid ?? null;
    this.#screenMid = screen?.mid ?? null;
    this.#ridId = video?.ridId ?? null;
    const rids = video?.ridId != null ? video.rids : [];
    if (rids.join() !== this.layers.rids.join()) this.layers = new PublishedLayers(rids);
    this.#payloadTypes = payloadCodecs(filtered);
    if (!this.#publish) {
      const pc = this.#newConnection('publish');
      pc.onLocalDescription((answer, type) => {
        if (type === 'answer') this.host.send({ type: 'sfu-publish-answer', sdp: fixSimulcastAnswer(answer) });
      });
      pc.onTrack((track) => this.#onPublishedTrack(track));
      this.#publish = pc;
    }
    this.#publish.setRemoteDescription(filtered, 'offer');
  }

  /** The browser's answer to the subscribe offer. */
  subscribeAnswer(sdp: string): void {
    this.#subscribe.setRemoteDescription(sdp, 'answer');
    // A receiver that cannot decode H.264 leaves it out of its answer: H.264 sources skip it
    // (camera and screen slots alike; both offer VP8 and H.264).
    const accepted = acceptedCodecs(sdp);
    for (const s of [...this.videoSlots, ...this.screenSlots]) {
      const codecs = accepted.get(s.mid);
      s.slot.setCodecPayloadType('VP8', !codecs || codecs.has(VIDEO_PT) ? VIDEO_PT : null);
      s.slot.setCodecPayloadType('H264', codecs?.has(H264_PT) ? H264_PT : null);
    }
  }

  /** A trickled candidate from the browser. */
  candidate(pc: 'publish' | 'subscribe', candidate: IceCandidate | null): void {
    const target = pc === 'publish' ? this.#publish : this.#subscribe;
    if (!target || !candidate || !candidate.candidate) return;
    target.addRemoteCandidate(candidate.candidate, candidate.sdpMid ?? '0');
  }

  /**
   * Asks the publisher for a keyframe on one of its video streams (a simulcast layer, or the
   * shared screen), at most every 300 ms per stream.
   */
  requestKeyframe(ssrc: number | null): void {
    const track = ssrc !== null && ssrc === this.screenSsrc ? this.#screenIn : this.#videoIn;
    if (!track || ssrc === null) return;
    let gate = this.#keyframes.get(ssrc);
    if (!gate) this.#keyframes.set(ssrc, (gate = new RateGate(KEYFRAME_INTERVAL_MS)));
    if (!gate.pass()) return;
    try {
      // A PLI for that SSRC: libdatachannel's requestKeyframe() names only the last SSRC it saw.
      // (The client publishes video sendrecv: libdatachannel refuses to send on a recvonly track.)
      track.sendMessageBinary(buildPli(PLI_SENDER_SSRC, ssrc));
    } catch {
      // The track closed under us; the peer is going away.
    }
  }

  /** Sends a rewritten packet (or an RTCP report) on a slot. */
  sendOn(slot: SubscriberSlot, packet: Buffer): void {
    try {
      if (slot.track.isOpen()) slot.track.sendMessageBinary(packet);
    } catch {
      // Closed between the check and the send.
    }
  }

  /** Sends a forwarded media packet on a slot and keeps it for retransmission. */
  forwardOn(slot: SubscriberSlot, packet: Buffer): void {
    // Kept even when the test loss drops it: the receiver's NACK can then bring it back.
    slot.retransmit?.store(packet);
    if (this.sendPath.send('forward')) this.sendOn(slot, packet);
  }

  /** Answers a NACK on a slot: sends again the lost packets its cache still holds. */
  retransmitOn(slot: SubscriberSlot, lost: readonly number[]): void {
    this.sendPath.nacked(lost.length);
    for (const packet of slot.retransmit?.resend(lost) ?? []) {
      if (this.sendPath.send('retransmit')) this.sendOn(slot, packet);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pc of [this.#publish, this.#subscribe]) {
      try {
        pc?.close();
      } catch {
        // already closed
      }
    }
  }

  #newConnection(which: 'publish' | 'subscribe'): ndc.PeerConnection {
    const pc = new ndc.PeerConnection(`${this.participantId}/${which}`, {
      iceServers: [],
      enableIceUdpMux: true,
      portRangeBegin: this.network.port,
      portRangeEnd: this.network.port,
      ...(this.network.bindAddress ? { bindAddress: this.network.bindAddress } : {}),
    });
    pc.onLocalCandidate((candidate, mid) => {
      this.host.send({ type: 'sfu-candidate', pc: which, candidate: { candidate: candidate.replace(/^a=/, ''), sdpMid: mid } });
    });
    pc.onStateChange((state) => {
      if (state === 'failed' && !this.#closed) this.host.failed(this, `${which} connection failed`);
    });
    return pc;
  }

  /** A slot on the subscribe connection: `a0`…, `v0`… (camera video), `s0`… (shared screens). */
  #addSlot(kind: PublishedKind, index: number): SubscriberSlot {
    const mid = `${kind[0]}${index}`;
    const ssrc = nextSsrc++ >>> 0;
    const audio = kind === 'audio';
    const media = audio ? new ndc.Audio(mid, 'SendOnly') : new ndc.Video(mid, 'SendOnly');
    if (audio) (media as ndc.Audio).addOpusCodec(AUDIO_PT);
    else {
      (media as ndc.Video).addVP8Codec(VIDEO_PT);
      (media as ndc.Video).addH264Codec(H264_PT, H264_FMTP);
    }
    media.addSSRC(ssrc, `lectern-${mid}`, `lectern-${mid}`, `lectern-${mid}`);
    const track = this.#subscribe.addTrack(media);
    const outbound = new OutboundSlot(ssrc, audio ? AUDIO_PT : VIDEO_PT, audio ? 'audio' : 'video', audio ? 48_000 : 90_000);
    if (!audio) {
      // Each codec under the payload type this offer gives it, until the answer says otherwise.
      outbound.setCodecPayloadType('VP8', VIDEO_PT);
      outbound.setCodecPayloadType('H264', H264_PT);
    }
    const slot: SubscriberSlot = {
      mid,
      kind,
      slot: outbound,
      track,
      participantId: null,
      // Browsers NACK video only (audio is not negotiated with nack).
      retransmit: audio ? null : new RetransmitCache(512),
    };
    track.onMessage((msg) => {
      if (!isRtcp(msg)) return;
      for (const fb of readFeedback(msg)) this.host.feedback(this, slot, fb);
    });
    return slot;
  }

  #onPublishedTrack(track: ndc.Track): void {
    const mid = track.mid();
    const kind: PublishedKind | null = track.type() === 'audio' ? 'audio' : mid === this.#cameraMid ? 'video' : mid === this.#screenMid ? 'screen' : null;
    // Any further section an offer might carry is not forwarded.
    if (kind === null) return;
    if (kind === 'audio') this.#audioIn = track;
    else if (kind === 'screen') this.#screenIn = track;
    else this.#videoIn = track;
    // Receiver reports and REMB back to the browser, so its bandwidth estimate can grow.
    track.setMediaHandler(new ndc.RtcpReceivingSession());
    track.onOpen(() => {
      // One REMB covers the whole connection (the camera's track sends it), so it makes room for the screen too.
      if (kind === 'video') track.requestBitrate(PUBLISH_BITRATE + (this.#screenMid !== null ? SCREEN_BITRATE : 0));
    });
    track.onMessage((packet) => {
      if (!isRtcp(packet)) return this.receive(kind, packet);
      for (const sr of readSenderReports(packet)) this.host.senderReport(this, sr);
    });
  }

  /**
   * A media packet the publisher sent (its publish connection hands them here): learns its
   * layer or level, and passes it to the room to forward. Packets of unknown payload types
   * (not negotiated) and of simulcast layers not identified yet are ignored.
   */
  receive(kind: PublishedKind, packet: Buffer): void {
    const header = parseRtp(packet);
    if (!header || !this.#payloadTypes.has(header.payloadType)) return;
    if (kind === 'audio') {
      this.audioSsrc = header.ssrc;
      this.#lastAudioAt = performance.now();
      this.#noteLevel(packet, header);
    } else if (kind === 'screen') {
      // RTX shares the section; only the media payload types count (checked above).
      this.screenSsrc = header.ssrc;
      this.#lastScreenAt = performance.now();
    } else {
      const now = performance.now();
      const ridBytes = this.#ridId === null ? null : findExtension(packet, header, this.#ridId);
      const rid = ridBytes ? Buffer.from(ridBytes).toString('latin1') : (this.#ridBySsrc.get(header.ssrc) ?? null);
      const known = this.layers.bySsrc(header.ssrc) !== undefined;
      // Until a layer's SSRC is known (its first packets carry the rid), it is not forwarded.
      if (!this.layers.note(header.ssrc, rid, packet.length, now)) return;
      this.#lastVideoAt = now;
      if (!known) this.host.layersChanged(this);
    }
    this.host.media(this, kind, packet, header);
  }

  #noteLevel(packet: Buffer, header: RtpHeader): void {
    if (this.#audioLevelId === null) return;
    const ext = levelOf(packet, header, this.#audioLevelId);
    if (ext === null) return;
    this.audioLevel = this.audioLevel * 0.9 + ext * 0.1;
    // Above about -38 dBov counts as speech rather than room noise.
    if (ext > 0.7) this.lastSpokeAt = performance.now();
  }
}

/** Payload type → codec for the audio and video sections of an SDP. */
export function payloadCodecs(sdp: string): Map<number, SlotCodec> {
  const map = new Map<number, SlotCodec>();
  for (const m of sdp.matchAll(/^a=rtpmap:(\d+) ([^/\s]+)/gm)) {
    const name = m[2]!.toUpperCase();
    if (name === 'OPUS') map.set(Number(m[1]), 'opus');
    else if (name === 'VP8') map.set(Number(m[1]), 'VP8');
    else if (name === 'H264') map.set(Number(m[1]), 'H264');
  }
  return map;
}
