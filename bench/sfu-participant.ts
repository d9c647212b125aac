/**
 * bench:sfu synthetic participant: speaks Lectern's real signaling over a WebSocket (hello,
 * join, then the SFU messages) and runs real WebRTC connections to the SFU with
 * node-datachannel: a publish connection that sends synthetic VP8 + Opus RTP (answering PLIs
 * with keyframes), and a subscribe connection whose tracks are counted per stream.
 */
import ndc from 'node-datachannel';
import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '@lectern/protocol';
import { AUDIO_LEVEL_EXT_ID, AUDIO_LEVEL_URI, OPUS_PT, OpusSource, VP8_PT, Vp8Source, isRtcp, monotonicNs, readProbe, sendPacket, wantsKeyframe } from './sfu-rtp.js';
import { ReceiveStats } from './sfu-stats.js';

/** What one synthetic participant sends (null: it only receives). */
export interface PublishSpec {
  videoBitrate: number;
  fps: number;
  /** Its audio level says it is speaking (the SFU ranks speakers by it). */
  loud: boolean;
}

/** One synthetic participant to run. */
export interface ParticipantSpec {
  code: string;
  /** Unique in the whole run: the probe's stream ids are built from it. */
  index: number;
  publish: PublishSpec | null;
}

const JOIN_TIMEOUT_MS = 30_000;

/** A `ws` socket that sends and reads Lectern's messages through @lectern/protocol's codec. */
class Signal {
  readonly ws: WebSocket;
  /** Resolves when the socket is open (listening from the start, so the event is never missed). */
  readonly opened: Promise<void>;
  #handlers: Array<(m: ServerMessage) => void> = [];

  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      const decoded = decodeServerMessage(String(data));
      if (!decoded.ok) return;
      for (const h of this.#handlers) {
        try {
          h(decoded.message);
        } catch (err) {
          // libdatachannel refused a description or candidate: the connection fails, the server restarts it.
          console.error(`bench:sfu participant: ${decoded.message.type}: ${(err as Error).message}`);
        }
      }
    });
  }

  on(handler: (m: ServerMessage) => void): void {
    this.#handlers.push(handler);
  }

  send(m: ClientMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(m));
  }

  /** Waits for the first message `pick` accepts; a close or the deadline rejects. */
  next<T>(pick: (m: ServerMessage) => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), JOIN_TIMEOUT_MS);
      const handler = (m: ServerMessage): void => {
        const v = pick(m);
        if (v !== undefined) done(null, v);
      };
      const onClose = (code: number): void => done(new Error(`socket closed (${code}) waiting for ${what}`));
      const done = (err: Error | null, v?: T): void => {
        clearTimeout(timer);
        this.#handlers = this.#handlers.filter((h) => h !== handler);
        this.ws.off('close', onClose);
        if (err) reject(err);
        else resolve(v as T);
      };
      this.#handlers.push(handler);
      this.ws.on('close', onClose);
    });
  }
}

/** The probe's stream id of a participant's audio or video. */
export const streamIdOf = (index: number, kind: 'audio' | 'video'): number => index * 2 + (kind === 'video' ? 1 : 0);

/**
 * One participant: joins `spec.code`, publishes when told to, and receives every slot the SFU
 * offers. `tick` (called by the process's one send clock) sends the media that is due.
 */
export class SyntheticParticipant {
  readonly stats = new ReceiveStats();
  /** How often the server restarted its SFU connections (`sfu-restart`: a worker died or a connection failed). */
  restarts = 0;
  readonly #signal: Signal;
  #publish: ndc.PeerConnection | null = null;
  #subscribe: ndc.PeerConnection | null = null;
  #audioTrack: ndc.Track | null = null;
  /** The subscribe connection's tracks: node-datachannel stops calling back for a Track object that was garbage-collected. */
  readonly #slotTracks: ndc.Track[] = [];
  #videoTrack: ndc.Track | null = null;
  readonly #video: Vp8Source | null;
  readonly #audio: OpusSource | null;
  #nextAudioAt = 0;
  #pinger: NodeJS.Timeout | null = null;
  readonly #candidates: Record<'publish' | 'subscribe', Array<{ candidate: string; mid: string }>> = { publish: [], subscribe: [] };
  #closed = false;

  constructor(
    private readonly url: string,
    readonly spec: ParticipantSpec,
  ) {
    this.#signal = new Signal(url);
    const p = spec.publish;
    this.#video = p ? new Vp8Source(streamIdOf(spec.index, 'video'), p.videoBitrate, p.fps) : null;
    this.#audio = p ? new OpusSource(streamIdOf(spec.index, 'audio'), p.loud) : null;
  }

  /** Opens the socket, joins and sets up the SFU connections (media flows once ICE completes). */
  async join(): Promise<void> {
    const s = this.#signal;
    s.on((m) => this.#onMessage(m));
    await s.opened;
    const welcome = s.next((m) => (m.type === 'welcome' ? m : undefined), 'welcome');
    s.send({ type: 'hello', v: PROTOCOL_VERSION });
    const { heartbeatMs } = await welcome;
    this.#pinger = setInterval(() => s.send({ type: 'ping', t: Date.now() }), heartbeatMs);
    await this.#enter();
  }

  /** Sends `join` and starts publishing once joined. */
  async #enter(): Promise<void> {
    const s = this.#signal;
    const joined = s.next((m) => (m.type === 'joined' ? m : m.type === 'join-error' ? new Error(`join refused: ${m.code}`) : undefined), 'joined');
    s.send({ type: 'join', code: this.spec.code, name: `Bench ${this.spec.index}`, media: { muted: !this.#audio, cameraOff: !this.#video } });
    const result = await joined;
    if (result instanceof Error) throw result;
    if (result.topology !== 'sfu') throw new Error(`the session runs ${result.topology}, not sfu (start the server with --topology sfu)`);
    if (this.spec.publish) this.#startPublishing();
  }

  #closeConnections(): void {
    for (const pc of [this.#publish, this.#subscribe]) {
      try {
        pc?.close();
      } catch {
        // already closed
      }
    }
    this.#publish = this.#subscribe = this.#audioTrack = this.#videoTrack = null;
    this.#slotTracks.length = 0;
    this.#candidates.publish.length = this.#candidates.subscribe.length = 0;
  }

  /** Sends whatever audio packet and video frame are due at `nowMs` (performance.now()). */
  tick(nowMs: number): void {
    if (this.#audio && this.#audioTrack?.isOpen()) {
      if (this.#nextAudioAt === 0) this.#nextAudioAt = nowMs;
      // A late clock sends what it owes, but never more than a few packets at once.
      for (let n = 0; this.#nextAudioAt <= nowMs && n < 5; n++, this.#nextAudioAt += 20) sendPacket(this.#audioTrack, this.#audio.nextPacket());
      if (this.#nextAudioAt <= nowMs) this.#nextAudioAt = nowMs + 20;
    }
    if (this.#video && this.#videoTrack?.isOpen()) for (const p of this.#video.due(nowMs)) sendPacket(this.#videoTrack, p);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pinger) clearInterval(this.#pinger);
    this.#closeConnections();
    this.#signal.ws.close();
  }

  #onMessage(m: ServerMessage): void {
    if (process.env.BENCH_SFU_DEBUG) console.error(`[${this.spec.index}] ←`, JSON.stringify(m).slice(0, 160));
    switch (m.type) {
      case 'sfu-publish-answer':
        this.#publish?.setRemoteDescription(m.sdp, 'answer');
        this.#flushCandidates('publish');
        return;
      case 'sfu-subscribe-offer':
        this.#onSubscribeOffer(m.sdp);
        return;
      case 'sfu-candidate':
        // The server trickles candidates as it gathers them, before its offer or answer may be applied here.
        if (m.candidate?.candidate) this.#candidates[m.pc].push({ candidate: m.candidate.candidate, mid: m.candidate.sdpMid ?? '0' });
        this.#flushCandidates(m.pc);
        return;
      case 'sfu-restart':
        // The server set up this participant's media again (its worker restarted, or a connection
        // failed): new connections, as on joining.
        this.restarts++;
        this.#closeConnections();
        if (this.spec.publish) this.#startPublishing();
        return;
      default:
        return;
    }
  }

  #flushCandidates(which: 'publish' | 'subscribe'): void {
    const pc = which === 'publish' ? this.#publish : this.#subscribe;
    if (!pc?.remoteDescription()) return;
    for (const c of this.#candidates[which].splice(0)) {
      try {
        pc.addRemoteCandidate(c.candidate, c.mid);
      } catch {
        // A candidate libjuice cannot use is skipped, as a browser would.
      }
    }
  }

  #connection(which: 'publish' | 'subscribe'): ndc.PeerConnection {
    const pc = new ndc.PeerConnection(`bench-${this.spec.index}-${which}`, { iceServers: [], bindAddress: '127.0.0.1' });
    // A failed connection is set up again by the server (sfu-restart), as for a browser.
    if (process.env.BENCH_SFU_DEBUG) pc.onStateChange((state) => console.error(`[${this.spec.index}] ${which} ${state}`));
    pc.onLocalCandidate((candidate, mid) => {
      if (process.env.BENCH_SFU_DEBUG) console.error(`[${this.spec.index}] → ${which} ${candidate}`);
      this.#signal.send({ type: 'sfu-candidate', pc: which, candidate: { candidate: candidate.replace(/^a=/, ''), sdpMid: mid } });
    });
    return pc;
  }

  #startPublishing(): void {
    const pc = (this.#publish = this.#connection('publish'));
    pc.onLocalDescription((sdp, type) => {
      if (type === 'offer') this.#signal.send({ type: 'sfu-publish', sdp });
    });
    const audio = new ndc.Audio('0', 'SendOnly');
    audio.addOpusCodec(OPUS_PT);
    audio.parseSdpLine(`a=extmap:${AUDIO_LEVEL_EXT_ID} ${AUDIO_LEVEL_URI}`);
    audio.addSSRC(this.#audio!.ssrc, `bench-${this.spec.index}`, 'bench', 'bench-audio');
    // sendrecv as the browser client does: the SFU can then send PLIs on this section.
    const video = new ndc.Video('1', 'SendRecv');
    video.addVP8Codec(VP8_PT);
    video.addSSRC(this.#video!.ssrc, `bench-${this.spec.index}`, 'bench', 'bench-video');
    this.#audioTrack = pc.addTrack(audio);
    this.#videoTrack = pc.addTrack(video);
    this.#videoTrack.onMessage((packet) => {
      if (isRtcp(packet) && wantsKeyframe(packet)) this.#video!.requestKeyframe();
    });
    pc.setLocalDescription('offer');
  }

  #onSubscribeOffer(sdp: string): void {
    if (this.#subscribe) return; // the slots never renegotiate
    const pc = (this.#subscribe = this.#connection('subscribe'));
    pc.onLocalDescription((answer, type) => {
      if (type === 'answer') this.#signal.send({ type: 'sfu-subscribe-answer', sdp: answer });
    });
    pc.onTrack((track) => {
      this.#slotTracks.push(track);
      const kind = track.type() === 'audio' ? 'audio' : 'video';
      // Receiver reports and REMB, as a browser sends.
      track.setMediaHandler(new ndc.RtcpReceivingSession());
      track.onMessage((packet) => {
        if (isRtcp(packet)) return;
        const probe = readProbe(packet);
        if (probe) this.stats.note(kind, probe, packet.length, monotonicNs());
      });
    });
    pc.setRemoteDescription(sdp, 'offer');
    this.#flushCandidates('subscribe');
  }
}
