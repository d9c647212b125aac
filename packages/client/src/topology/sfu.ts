import type { ClientMessage, IceCandidate, IceServer, SfuSlot } from '@lectern/protocol';
import { TypedEmitter } from '../emitter.js';
import type { PeerConnectionFactory } from '../ports.js';
import { SCREEN_DEGRADATION_PREFERENCE, SCREEN_VIDEO_ENCODING } from '../screen-capture.js';
import { DataLinks } from './data-link.js';
import { summarizeInboundStats } from './stats.js';
import type { InboundSignal, LocalScreenTracks, LocalTracks, RemoteMediaStats, SfuSignal, Topology, TopologyEvents, TopologyOptions } from './topology.js';

/**
 * The camera goes up as three simulcast layers, lowest first (the server reads the order from the
 * offer): a quarter, half and full size of the capture (about 180p, 360p and 720p).
 */
const SIMULCAST_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
/** How long to wait for all layers' SSRCs before announcing the ones there are. */
const SSRC_SETTLE_MS = 1000;
/** View reports are throttled to this interval. */
const VIEW_REPORT_MS = 250;

/**
 * Media through the server's SFU: one connection sends this participant's audio and video
 * up, one receives. The receiving connection has fixed slots; the server says which
 * participant each slot carries (`sfu-slots`), and this class turns that into one
 * MediaStream per participant, so the Room and UI see the same events as in mesh.
 *
 * A shared screen goes up on a third m-line of the publish connection (video only, one
 * encoding, no simulcast) that exists from the first offer and sends nothing until a share
 * starts (`replaceTrack`, no renegotiation); others' screens arrive on `screen` slots.
 * File transfers get on-demand peer-to-peer data connections ({@link DataLinks}).
 */
export class SfuTopology extends TypedEmitter<TopologyEvents> implements Topology {
  readonly kind = 'sfu' as const;
  readonly carriesScreens = true;
  readonly #publish: RTCPeerConnection;
  #subscribe: RTCPeerConnection | null = null;
  #audio: RTCRtpTransceiver;
  #video: RTCRtpTransceiver;
  #screen: RTCRtpTransceiver;
  readonly #peers = new Set<string>();
  #slots: SfuSlot[] = [];
  readonly #streams = new Map<string, MediaStream>();
  readonly #screenStreams = new Map<string, MediaStream>();
  readonly #dataLinks: DataLinks;
  /** Candidates that arrived before their connection was ready. */
  #early: IceCandidate[] = [];
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  /** The last view report sent (JSON), and a pending one waiting out the throttle. */
  #sentViews = '';
  #pendingViews: ReadonlyMap<string, number> | null = null;
  #viewTimer: ReturnType<typeof setTimeout> | null = null;
  #lastViewAt = -Infinity;
  /** Whether the simulcast layers' SSRCs went to the server (a second offer). */
  #ssrcsSent = false;

  constructor(
    private readonly options: TopologyOptions,
    private readonly factory: PeerConnectionFactory,
    private readonly send: (message: ClientMessage) => void,
    tracks: LocalTracks,
  ) {
    super();
    this.#publish = this.#connection('publish');
    this.#audio = this.#publish.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendonly' });
    // sendrecv, not sendonly: libdatachannel then lets the server send feedback (PLI) on this section.
    this.#video = this.#publish.addTransceiver(tracks.video ?? 'video', { direction: 'sendrecv', sendEncodings: SIMULCAST_LAYERS });
    if (options.videoCodec) preferVideoCodec(this.#video, options.videoCodec);
    // The screen's m-line, idle until a share (sendrecv for the same reason as the camera's).
    this.#screen = this.#publish.addTransceiver('video', { direction: 'sendrecv', sendEncodings: [{ ...SCREEN_VIDEO_ENCODING }] });
    this.#dataLinks = new DataLinks(factory, () => ({ iceServers: this.options.iceServers, iceTransportPolicy: this.options.iceTransportPolicy }), {
      send: (m) => this.send(m),
      dataChannel: (id, channel) => this.emit('dataChannel', id, channel),
      error: (e) => this.emit('error', 'data', e),
    });
    this.#serially(async () => {
      await this.#publish.setLocalDescription();
      this.send({ type: 'sfu-publish', sdp: this.#publish.localDescription!.sdp });
    });
  }

  addPeer(participantId: string): void {
    this.#peers.add(participantId);
    this.emit('connectionState', participantId, this.#subscribe?.connectionState ?? 'new');
    this.#rebuildStreams();
  }

  removePeer(participantId: string): void {
    this.#peers.delete(participantId);
    this.#streams.delete(participantId);
    this.#screenStreams.delete(participantId);
    this.#dataLinks.remove(participantId);
  }

  /** Handles the signals of on-demand data connections (`dataLink`); media goes through the server. */
  handleSignal(signal: InboundSignal): void {
    this.#dataLinks.handle(signal);
  }

  handleSfuSignal(signal: SfuSignal): void {
    switch (signal.type) {
      case 'sfu-publish-answer':
        this.#serially(async () => {
          await this.#publish.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
          if (!this.#ssrcsSent) void this.#announceLayerSsrcs();
        });
        return;
      case 'sfu-subscribe-offer':
        this.#serially(async () => {
          const pc = (this.#subscribe ??= this.#connection('subscribe'));
          await pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
          for (const c of this.#early.splice(0)) await pc.addIceCandidate(c).catch(() => {});
          await pc.setLocalDescription();
          this.send({ type: 'sfu-subscribe-answer', sdp: pc.localDescription!.sdp });
          this.#rebuildStreams();
        });
        return;
      case 'sfu-candidate': {
        const candidate = signal.candidate;
        if (!candidate) return;
        this.#serially(async () => {
          const pc = signal.pc === 'publish' ? this.#publish : this.#subscribe;
          if (!pc || !pc.remoteDescription) {
            if (signal.pc === 'subscribe') this.#early.push(candidate);
            return;
          }
          await pc.addIceCandidate(candidate).catch(() => {});
        });
        return;
      }
      case 'sfu-layers': {
        const active = new Set(signal.active);
        this.#serially(async () => {
          const sender = this.#video.sender;
          const params = sender.getParameters();
          if (!params.encodings?.length) return;
          let changed = false;
          for (const e of params.encodings) {
            const on = e.rid === undefined || active.has(e.rid);
            if (e.active !== on) {
              e.active = on;
              changed = true;
            }
          }
          if (changed) await sender.setParameters(params);
        });
        return;
      }
      case 'sfu-slots':
        this.#slots = signal.slots;
        this.#rebuildStreams();
        return;
    }
  }

  setLocalTracks(tracks: LocalTracks): void {
    for (const [t, track] of [
      [this.#audio, tracks.audio],
      [this.#video, tracks.video],
    ] as const) {
      if (t.sender.track !== track) t.sender.replaceTrack(track).catch((err: unknown) => this.emit('error', 'sfu', asError(err)));
    }
  }

  /** Sends the screen's video on its own m-line, or stops (`null`). Screen audio is not carried through the SFU. */
  setLocalScreen(screen: LocalScreenTracks | null): void {
    const track = screen?.video ?? null;
    const sender = this.#screen.sender;
    if (sender.track === track) return;
    this.#serially(async () => {
      await sender.replaceTrack(track);
      if (!track) return;
      const p = sender.getParameters();
      if (p.degradationPreference === SCREEN_DEGRADATION_PREFERENCE) return;
      p.degradationPreference = SCREEN_DEGRADATION_PREFERENCE;
      await sender.setParameters(p).catch(() => {});
    });
  }

  /** Reports tile sizes to the server (`sfu-view`), at most every 250 ms and only when they changed. */
  setVideoViews(views: ReadonlyMap<string, number>): void {
    this.#pendingViews = new Map(views);
    if (this.#viewTimer || this.#closed) return;
    const wait = Math.max(0, this.#lastViewAt + VIEW_REPORT_MS - performance.now());
    this.#viewTimer = setTimeout(() => {
      this.#viewTimer = null;
      const pending = this.#pendingViews;
      this.#pendingViews = null;
      if (!pending || this.#closed) return;
      const list = [...pending].slice(0, 100).map(([participantId, height]) => ({ participantId, height: Math.max(0, Math.min(8192, Math.round(height))) }));
      const json = JSON.stringify(list);
      if (json === this.#sentViews) return;
      this.#sentViews = json;
      this.#lastViewAt = performance.now();
      this.send({ type: 'sfu-view', views: list });
    }, wait);
  }

  setIceServers(iceServers: IceServer[]): void {
    this.options.iceServers = iceServers;
    this.#dataLinks.setIceServers(iceServers);
    for (const pc of [this.#publish, this.#subscribe]) {
      if (!pc) continue;
      try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
      } catch (err) {
        this.emit('error', 'sfu', asError(err));
      }
    }
  }

  /**
   * Opens a channel on an on-demand peer-to-peer data connection to the participant (created
   * with the first channel, closed when idle); files never go through the SFU.
   */
  openDataChannel(participantId: string, label: string): RTCDataChannel | null {
    if (this.#closed || !this.#peers.has(participantId)) return null;
    return this.#dataLinks.open(participantId, label);
  }

  audioLevel(participantId: string): number {
    const receiver = this.#receiverFor(participantId, 'audio');
    if (!receiver || typeof receiver.getSynchronizationSources !== 'function') return 0;
    const recent = receiver
      .getSynchronizationSources()
      .find((s) => Math.min(Math.abs(performance.now() - s.timestamp), Math.abs(Date.now() - s.timestamp)) < 1000);
    return recent?.audioLevel ?? 0;
  }

  async stats(participantId: string): Promise<RemoteMediaStats | null> {
    const pc = this.#subscribe;
    if (!pc || !this.#peers.has(participantId)) return null;
    const theirs = this.#slots.filter((s) => s.participantId === participantId);
    const mids = new Set(theirs.map((s) => s.mid));
    const screenMids = new Set(theirs.filter((s) => s.kind === 'screen').map((s) => s.mid));
    const report = await pc.getStats();
    // Keep the shared transport stats, and only this participant's inbound streams.
    const mine = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp' || mids.has(s.mid as string)) mine.set(s.id as string, s);
    });
    return summarizeInboundStats(mine as unknown as RTCStatsReport, pc.connectionState, screenMids);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#viewTimer) clearTimeout(this.#viewTimer);
    this.#dataLinks.close();
    for (const pc of [this.#publish, this.#subscribe]) {
      if (!pc) continue;
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    this.#streams.clear();
    this.#screenStreams.clear();
    this.removeAllListeners();
  }

  #connection(which: 'publish' | 'subscribe'): RTCPeerConnection {
    const pc = this.factory({ iceServers: this.options.iceServers, iceTransportPolicy: this.options.iceTransportPolicy, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = ({ candidate }) => {
      this.send({ type: 'sfu-candidate', pc: which, candidate: candidate ? (candidate.toJSON() as IceCandidate) : null });
    };
    if (which === 'subscribe') {
      pc.ontrack = () => this.#rebuildStreams();
      pc.onconnectionstatechange = () => {
        for (const id of this.#peers) this.emit('connectionState', id, pc.connectionState);
        if (pc.connectionState === 'failed') pc.restartIce();
      };
    }
    return pc;
  }

  #receiverFor(participantId: string, kind: SfuSlot['kind']): RTCRtpReceiver | null {
    const slot = this.#slots.find((s) => s.participantId === participantId && s.kind === kind);
    if (!slot || !this.#subscribe) return null;
    return this.#subscribe.getTransceivers().find((t) => t.mid === slot.mid)?.receiver ?? null;
  }

  /** Gives each participant a stream of the slot tracks that carry them; emits what changed. */
  #rebuildStreams(): void {
    if (this.#closed) return;
    for (const id of this.#peers) {
      const tracks = (['audio', 'video'] as const)
        .map((kind) => this.#receiverFor(id, kind)?.track)
        .filter((t): t is MediaStreamTrack => !!t);
      const current = this.#streams.get(id);
      const same = current && current.getTracks().length === tracks.length && tracks.every((t) => current.getTracks().includes(t));
      if (same) continue;
      const stream = new MediaStream(tracks);
      this.#streams.set(id, stream);
      this.emit('remoteStream', id, stream);
    }
    this.#rebuildScreens();
  }

  /** Gives each sharing participant a stream of its screen slot's track; emits what changed. */
  #rebuildScreens(): void {
    for (const id of this.#peers) {
      const track = this.#receiverFor(id, 'screen')?.track ?? null;
      const current = this.#screenStreams.get(id) ?? null;
      if ((current?.getVideoTracks()[0] ?? null) === track) continue;
      const stream = track ? new MediaStream([track]) : null;
      if (stream) this.#screenStreams.set(id, stream);
      else this.#screenStreams.delete(id);
      // The SFU rewrites the stream, so the sender's stream id is unknown here (null: trust the slot).
      this.emit('remoteScreen', id, stream, null);
    }
  }

  /**
   * A simulcast offer names its layers by rid but not their SSRCs, and the server can only take
   * in packets whose SSRC it was told. Once the browser has picked them (they show in its
   * stats), offer again with them.
   */
  async #announceLayerSsrcs(): Promise<void> {
    this.#ssrcsSent = true;
    const started = performance.now();
    let announced = '';
    // A layer's SSRC shows only once it sends, and the top layer waits for bandwidth: announce
    // what there is (after a moment, or once all are there) and again whenever more appear.
    while (!this.#closed) {
      const ssrcs: { rid: string; ssrc: number }[] = [];
      const report = await this.#publish.getStats().catch(() => null);
      report?.forEach((s: Record<string, unknown>) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && typeof s.rid === 'string' && typeof s.ssrc === 'number') ssrcs.push({ rid: s.rid, ssrc: s.ssrc });
      });
      ssrcs.sort((a, b) => a.rid.localeCompare(b.rid));
      const key = JSON.stringify(ssrcs);
      const all = ssrcs.length >= SIMULCAST_LAYERS.length;
      const waited = performance.now() - started;
      if (ssrcs.length > 0 && key !== announced && (all || waited > SSRC_SETTLE_MS)) {
        announced = key;
        this.#serially(async () => {
          await this.#publish.setLocalDescription();
          this.send({ type: 'sfu-publish', sdp: this.#publish.localDescription!.sdp, ssrcs });
        });
      }
      if (all && key === announced) return;
      await new Promise((r) => setTimeout(r, waited < 10_000 ? 250 : 1000));
    }
  }

  /** Runs SDP work one step at a time, in arrival order. */
  #serially(step: () => Promise<unknown>): void {
    this.#queue = this.#queue.then(step).then(
      () => undefined,
      (err: unknown) => this.emit('error', 'sfu', asError(err)),
    );
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Puts `codec` first in the video section's offer, so the SFU's answer (which keeps the
 * browser's order) makes it the one sent. H.264 means the profile every browser decodes:
 * constrained baseline, packetization mode 1. Without the API or the codec nothing changes.
 */
function preferVideoCodec(transceiver: RTCRtpTransceiver, codec: 'vp8' | 'h264'): void {
  const all = globalThis.RTCRtpReceiver?.getCapabilities?.('video')?.codecs;
  if (!all || typeof transceiver.setCodecPreferences !== 'function') return;
  const wanted = (c: RTCRtpCodec) =>
    codec === 'vp8' ? c.mimeType.toLowerCase() === 'video/vp8' : c.mimeType.toLowerCase() === 'video/h264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? '') && /profile-level-id=42e01f/i.test(c.sdpFmtpLine ?? '');
  const first = all.filter(wanted);
  if (first.length === 0) return;
  transceiver.setCodecPreferences([...first, ...all.filter((c) => !wanted(c))]);
}
