/**
 * Test doubles for the client core's ports. Used only by co-located `*.test.ts` files; never
 * exported from the package.
 */
import { PROTOCOL_VERSION, encodeMessage, type ClientMessage, type ServerMessage, type ServerMessageOf } from '@lectern/protocol';
import type { Clock, SignalTransport, SignalTransportFactory } from './ports.js';

// ---- Time -------------------------------------------------------------------------------

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number | null;
}

/** A clock driven by `advance()`. Timers fire in time order, intervals repeat. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();
  /** Every delay passed to setTimeout, in call order. */
  readonly timeoutDelays: number[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.timeoutDelays.push(ms);
    return this.#add(fn, ms, null);
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): unknown {
    return this.#add(fn, ms, ms);
  }

  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Number of timers (timeouts and intervals) still scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Timer | null = null;
      for (const t of this.#timers.values()) if (t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.#now = next.at;
      if (next.every === null) this.#timers.delete(next.id);
      else next.at += Math.max(1, next.every);
      next.fn();
    }
    this.#now = end;
  }

  #add(fn: () => void, ms: number, every: number | null): number {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn, every });
    return id;
  }
}

/** Lets pending promise continuations run (no timers involved). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---- Signaling --------------------------------------------------------------------------

/** A transport the test scripts as the server. */
export class FakeTransport implements SignalTransport {
  onOpen: (() => void) | null = null;
  onMessage: ((text: string) => void) | null = null;
  onClose: ((code: number, reason: string) => void) | null = null;
  /** Raw frames the client sent. */
  readonly frames: string[] = [];
  closedBy: { code: number | undefined; reason: string | undefined } | null = null;

  constructor(readonly url: string) {}

  /** What the client sent, decoded. */
  get sent(): ClientMessage[] {
    return this.frames.map((f) => JSON.parse(f) as ClientMessage);
  }

  /** Messages the client sent of one type. */
  sentOf<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ClientMessage, { type: T }> => m.type === type);
  }

  send(text: string): void {
    if (this.closedBy) throw new Error('send on a closed transport');
    this.frames.push(text);
  }

  close(code?: number, reason?: string): void {
    if (this.closedBy) return;
    this.closedBy = { code, reason };
    this.onClose?.(code ?? 1000, reason ?? '');
  }

  // Server side
  open(): void {
    this.onOpen?.();
  }

  receive(message: ServerMessage): void {
    this.onMessage?.(encodeMessage(message));
  }

  receiveRaw(text: string): void {
    this.onMessage?.(text);
  }

  /** The network drops the connection. */
  drop(code = 1006): void {
    if (this.closedBy) return;
    this.closedBy = { code, reason: 'dropped' };
    this.onClose?.(code, 'dropped');
  }
}

/** A transport factory that keeps every transport it made. */
export function fakeTransports(): { factory: SignalTransportFactory; all: FakeTransport[]; last(): FakeTransport } {
  const all: FakeTransport[] = [];
  return {
    all,
    factory: (url) => {
      const t = new FakeTransport(url);
      all.push(t);
      return t;
    },
    last() {
      const t = all[all.length - 1];
      if (!t) throw new Error('no transport was opened');
      return t;
    },
  };
}

/** A valid `welcome`. */
export function welcome(over: Partial<ServerMessageOf<'welcome'>> = {}): ServerMessageOf<'welcome'> {
  return {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    participantId: 'self1',
    resumed: false,
    heartbeatMs: 60_000,
    maxMessageBytes: 65536,
    iceServers: [{ urls: 'stun:stun.example.org' }],
    ...over,
  };
}

// ---- Media ------------------------------------------------------------------------------

let trackIds = 0;

/** A MediaStreamTrack stand-in. */
export class FakeTrack {
  enabled = true;
  stopped = false;
  readyState: 'live' | 'ended' = 'live';
  contentHint = '';
  readonly id = `track-${++trackIds}`;
  readonly #listeners = new Map<string, Set<() => void>>();
  constructor(
    readonly kind: 'audio' | 'video',
    readonly deviceId = `${kind}-default`,
  ) {}
  stop(): void {
    this.stopped = true;
    this.readyState = 'ended';
  }
  addEventListener(type: string, fn: () => void): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(fn);
  }
  removeEventListener(type: string, fn: () => void): void {
    this.#listeners.get(type)?.delete(fn);
  }
  /** Test helper: the browser ends the track (e.g. its "Stop sharing" bar), firing `ended`. */
  endByBrowser(): void {
    this.readyState = 'ended';
    for (const fn of [...(this.#listeners.get('ended') ?? [])]) fn();
  }
  getSettings(): { deviceId: string } {
    return { deviceId: this.deviceId };
  }
}

let streamIds = 0;

/** A MediaStream stand-in. */
export class FakeMediaStream {
  readonly id = `stream-${++streamIds}`;
  readonly #tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = []) {
    this.#tracks = [...tracks];
  }
  getTracks(): FakeTrack[] {
    return [...this.#tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeTrack): void {
    if (!this.#tracks.includes(t)) this.#tracks.push(t);
  }
  removeTrack(t: FakeTrack): void {
    const i = this.#tracks.indexOf(t);
    if (i >= 0) this.#tracks.splice(i, 1);
  }
}

/** Node has no MediaStream; the SDK constructs some, so tests provide the stand-in. */
export function installFakeMediaStream(): void {
  (globalThis as { MediaStream?: unknown }).MediaStream ??= FakeMediaStream;
}

/** Casts a fake track to the DOM type the SDK expects. */
export function asTrack(t: FakeTrack): MediaStreamTrack {
  return t as unknown as MediaStreamTrack;
}

// ---- Peer connections -------------------------------------------------------------------

/** A transceiver stand-in. */
export class FakeTransceiver {
  direction: RTCRtpTransceiverDirection;
  mid: string | null = null;
  currentDirection: RTCRtpTransceiverDirection | null = null;
  /** What the remote's m-line said, for transceivers its offers created. */
  remoteDirection: RTCRtpTransceiverDirection | null = null;
  readonly replaced: Array<MediaStreamTrack | null> = [];
  readonly sender: {
    track: MediaStreamTrack | null;
    replaceTrack: (t: MediaStreamTrack | null) => Promise<void>;
    getParameters: () => RTCRtpSendParameters;
    setParameters: (p: RTCRtpSendParameters) => Promise<void>;
  };
  /**
   * What the remote sends us. `audioLevel` (0..1) is what RFC 6464 header extensions would say
   * now; `getSynchronizationSources()` reports it as just heard, as a browser does.
   */
  readonly receiver: { track: FakeTrack; audioLevel: number; getSynchronizationSources(): RTCRtpSynchronizationSource[] };

  constructor(
    kind: string,
    track: MediaStreamTrack | null,
    direction: RTCRtpTransceiverDirection,
    /** The init it was added with (streams, sendEncodings). */
    readonly init: RTCRtpTransceiverInit = {},
  ) {
    this.direction = direction;
    const receiver = {
      track: new FakeTrack(kind === 'audio' ? 'audio' : 'video'),
      audioLevel: 0,
      getSynchronizationSources: (): RTCRtpSynchronizationSource[] => [{ source: 1, timestamp: performance.now(), rtpTimestamp: 0, audioLevel: receiver.audioLevel }],
    };
    this.receiver = receiver;
    let params = { encodings: (init.sendEncodings ?? [{}]).map((e) => ({ ...e })) } as RTCRtpSendParameters;
    const sender = {
      track,
      replaceTrack: (t: MediaStreamTrack | null) => {
        this.replaced.push(t);
        sender.track = t;
        return Promise.resolve();
      },
      getParameters: () => structuredClone(params),
      setParameters: (p: RTCRtpSendParameters) => {
        params = structuredClone(p);
        return Promise.resolve();
      },
    };
    this.sender = sender;
  }
}

/**
 * Enough of RTCPeerConnection for PeerLink: signaling state moves like a browser's (with
 * implicit rollback on a remote offer in have-local-offer), and every call is recorded.
 */
export class FakePeerConnection {
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((e: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
  ontrack: ((e: { track: MediaStreamTrack; transceiver?: FakeTransceiver; streams?: FakeMediaStream[] }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ondatachannel: ((e: { channel: RTCDataChannel }) => void) | null = null;
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  readonly transceivers: FakeTransceiver[] = [];
  /** Every call, in order, e.g. "addTransceiver:audio", "srd:offer", "sld:answer", "close". */
  readonly calls: string[] = [];
  readonly candidates: Array<RTCIceCandidateInit | undefined> = [];
  closed = false;
  /** Set to make addIceCandidate reject. */
  failCandidates = false;
  stats: RTCStatsReport = new Map() as unknown as RTCStatsReport;
  #offers = 0;
  readonly #unsettledMids = new Set<FakeTransceiver>();

  constructor(public config: RTCConfiguration) {}

  getConfiguration(): RTCConfiguration {
    return this.config;
  }

  setConfiguration(config: RTCConfiguration): void {
    this.calls.push('setConfiguration');
    this.config = config;
  }

  addTransceiver(trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit): FakeTransceiver {
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    const t = new FakeTransceiver(kind, typeof trackOrKind === 'string' ? null : trackOrKind, init?.direction ?? 'sendrecv', init);
    this.calls.push(`addTransceiver:${kind}`);
    this.transceivers.push(t);
    return t;
  }

  createDataChannel(label: string): { label: string; readyState: RTCDataChannelState; close(): void } {
    this.calls.push(`createDataChannel:${label}`);
    const channel = { label, readyState: 'connecting' as RTCDataChannelState, close: () => void (channel.readyState = 'closed') };
    return channel;
  }

  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }

  async setLocalDescription(): Promise<void> {
    await Promise.resolve();
    if (this.signalingState === 'have-remote-offer') {
      this.calls.push('sld:answer');
      this.localDescription = { type: 'answer', sdp: `answer-sdp` };
      this.signalingState = 'stable';
      this.#settle();
    } else {
      for (const t of this.transceivers) {
        if (t.mid !== null) continue;
        t.mid = this.#freeMid();
        this.#unsettledMids.add(t);
      }
      this.calls.push('sld:offer');
      this.localDescription = { type: 'offer', sdp: `offer-sdp-${++this.#offers}` };
      this.signalingState = 'have-local-offer';
    }
  }

  async setRemoteDescription(desc: { type: RTCSdpType; sdp: string }): Promise<void> {
    await Promise.resolve();
    if (desc.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        this.calls.push('rollback');
        // Rolling back forgets the mids our offer gave to new transceivers.
        for (const t of this.#unsettledMids) t.mid = null;
        this.#unsettledMids.clear();
      }
      this.signalingState = 'have-remote-offer';
      this.remoteDescription = desc;
      // The offerer's m-lines appear as transceivers on the answerer.
      if (desc.sdp.includes('\nm=')) this.#applyRemoteMedia(desc.sdp);
      else if (this.transceivers.length === 0) {
        this.transceivers.push(new FakeTransceiver('audio', null, 'recvonly'), new FakeTransceiver('video', null, 'recvonly'));
      }
    } else {
      this.remoteDescription = desc;
      if (desc.sdp.includes('\nm=')) this.#applyRemoteMedia(desc.sdp);
      this.signalingState = 'stable';
      this.#settle();
    }
    this.calls.push(`srd:${desc.type}`);
  }

  /**
   * A remote offer or answer written as SDP (see {@link fakeSdp}): each m-section's mid, kind, direction
   * and msid stream. New mids become recvonly transceivers; a track event fires for every
   * m-line that now sends to us, as in a browser.
   */
  #applyRemoteMedia(sdp: string): void {
    for (const m of parseFakeSdp(sdp)) {
      let t = this.transceivers.find((x) => x.mid === m.mid);
      if (!t) {
        t = new FakeTransceiver(m.kind, null, 'recvonly');
        t.mid = m.mid;
        this.transceivers.push(t);
      }
      const wasSending = t.remoteDirection === 'sendonly' || t.remoteDirection === 'sendrecv';
      t.remoteDirection = m.direction;
      const sends = m.direction === 'sendonly' || m.direction === 'sendrecv';
      if (sends && !wasSending) {
        const stream = new FakeMediaStream([t.receiver.track]) as FakeMediaStream & { id: string };
        if (m.msid) Object.defineProperty(stream, 'id', { value: m.msid });
        this.ontrack?.({ track: t.receiver.track as unknown as MediaStreamTrack, transceiver: t, streams: m.msid ? [stream] : [] });
      }
    }
  }

  #freeMid(): string {
    let n = 0;
    while (this.transceivers.some((t) => t.mid === String(n))) n++;
    return String(n);
  }

  /** Negotiation completed: every transceiver's currentDirection follows both sides. */
  #settle(): void {
    this.#unsettledMids.clear();
    for (const t of this.transceivers) {
      if (t.remoteDirection === null) {
        t.currentDirection = t.direction; // ours; the fake remote accepts what we offer
        continue;
      }
      const weSend = (t.direction === 'sendonly' || t.direction === 'sendrecv') && (t.remoteDirection === 'recvonly' || t.remoteDirection === 'sendrecv');
      const weRecv = (t.direction === 'recvonly' || t.direction === 'sendrecv') && (t.remoteDirection === 'sendonly' || t.remoteDirection === 'sendrecv');
      t.currentDirection = weSend && weRecv ? 'sendrecv' : weSend ? 'sendonly' : weRecv ? 'recvonly' : 'inactive';
    }
  }

  async addIceCandidate(c?: RTCIceCandidateInit): Promise<void> {
    await Promise.resolve();
    this.calls.push('addIceCandidate');
    if (this.failCandidates) throw new Error('candidate for an unknown ufrag');
    this.candidates.push(c);
  }

  restartIce(): void {
    this.calls.push('restartIce');
  }

  async getStats(): Promise<RTCStatsReport> {
    return this.stats;
  }

  close(): void {
    this.calls.push('close');
    this.closed = true;
    this.connectionState = 'closed';
    this.signalingState = 'closed';
  }

  /** Test helper: change the connection state and fire the handler. */
  setConnectionState(s: RTCPeerConnectionState): void {
    this.connectionState = s;
    this.onconnectionstatechange?.();
  }
}

/** One m-line of a fake remote offer. */
export interface FakeMLine {
  mid: string;
  kind: 'audio' | 'video';
  direction: RTCRtpTransceiverDirection;
  /** The msid stream id, if any. */
  msid?: string;
}

/** Writes a minimal SDP for a remote offer with these m-lines (what the fake and msidStreamId read). */
export function fakeSdp(lines: FakeMLine[]): string {
  const out = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0'];
  for (const m of lines) {
    out.push(`m=${m.kind} 9 UDP/TLS/RTP/SAVPF 96`, `a=mid:${m.mid}`, `a=${m.direction}`, `a=msid:${m.msid ?? '-'} t${m.mid}`);
  }
  return out.join('\r\n') + '\r\n';
}

function parseFakeSdp(sdp: string): FakeMLine[] {
  return sdp
    .split(/\r?\n(?=m=)/)
    .slice(1)
    .map((section) => {
      const lines = section.split(/\r?\n/);
      const value = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
      const direction = (['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const).find((d) => lines.includes(`a=${d}`)) ?? 'sendrecv';
      const msid = value('a=msid:')?.split(' ')[0];
      return { mid: value('a=mid:') ?? '', kind: lines[0]!.startsWith('m=audio') ? 'audio' : 'video', direction, msid: msid && msid !== '-' ? msid : undefined };
    });
}

/** A PeerConnectionFactory that keeps every fake it made. */
export function fakePeerConnections(): {
  factory: (config: RTCConfiguration) => RTCPeerConnection;
  all: FakePeerConnection[];
} {
  const all: FakePeerConnection[] = [];
  return {
    all,
    factory: (config) => {
      const pc = new FakePeerConnection(config);
      all.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
  };
}

/** A promise with its settle functions exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
