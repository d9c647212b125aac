/**
 * bench:signal shared pieces: the three servers' client protocols, realistic signaling
 * payloads that carry their send time, and a latency histogram that merges across processes.
 */

/** The servers compared: Lectern, the PeerJS server (npm `peer`), and a bare `ws` relay (the floor). */
export type ServerKind = 'lectern' | 'peerjs' | 'bare';
export const SERVER_KINDS: readonly ServerKind[] = ['lectern', 'peerjs', 'bare'];

/**
 * Lectern's limits in the bench: every socket comes from 127.0.0.1 (so the per-IP cap is
 * raised). The message rate stays at its defaults: honest pairs stay under it, flooders do not.
 * The refusal of an address whose sockets keep being closed for flooding stays on too: in the
 * flood it refuses 127.0.0.1's new sockets, which only the flooders open (honest pairs never
 * reconnect), as it would refuse a flooder's neighbours behind one NAT.
 */
export const LECTERN_BENCH_LIMITS = { maxConnectionsPerIp: 1_000_000, maxConnections: 1_000_000 };

/** What one step of a pair's exchange is. */
export type SignalKind = 'offer' | 'answer' | 'candidate';

/**
 * One round of a pair: A offers, B answers, then both trickle candidates (as browsers do).
 * A pair sends these in order at a fixed rate, or back and forth as fast as it can.
 */
export const EXCHANGE: ReadonlyArray<{ from: 0 | 1; kind: SignalKind }> = [
  { from: 0, kind: 'offer' },
  { from: 1, kind: 'answer' },
  { from: 0, kind: 'candidate' },
  { from: 1, kind: 'candidate' },
  { from: 0, kind: 'candidate' },
  { from: 1, kind: 'candidate' },
  { from: 0, kind: 'candidate' },
  { from: 1, kind: 'candidate' },
];

const SDP_BODY = buildSdpBody();

/** A Chrome-like SDP (audio + video + data, ~4 KB); the origin line carries `t` (ms, performance.now). */
export function sdp(t: number, kind: 'offer' | 'answer'): string {
  return `v=0\r\no=- ${t.toFixed(3)} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n${SDP_BODY}a=setup:${kind === 'offer' ? 'actpass' : 'active'}\r\n`;
}

/** A host candidate line (~200 bytes with its fields); the foundation carries `t`. */
export function candidate(t: number): string {
  return `candidate:${t.toFixed(3)} 1 udp 2122260223 192.168.178.24 54321 typ host generation 0 ufrag 8zRx network-id 1 network-cost 10`;
}

/** The send time carried by a payload made by {@link sdp} or {@link candidate}. */
export function sentAt(payload: string): number {
  if (payload.startsWith('candidate:')) return Number(payload.slice(10, payload.indexOf(' ', 10)));
  const at = payload.indexOf('o=- ') + 4;
  return Number(payload.slice(at, payload.indexOf(' ', at)));
}

function buildSdpBody(): string {
  const lines: string[] = [];
  const codecs = ['111 opus/48000/2', '63 red/48000/2', '9 G722/8000', '0 PCMU/8000', '8 PCMA/8000', '13 CN/8000', '110 telephone-event/48000', '126 telephone-event/8000'];
  lines.push('m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=ice-ufrag:8zRx', 'a=ice-pwd:Xq3ySRq8mPj3X0ZJ7XWqzP4h', 'a=ice-options:trickle');
  lines.push('a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3B:4D:8F:B2:C1:3E:8B:2C:79:1E:4F:16', 'a=mid:0');
  for (const ext of ['urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', 'urn:ietf:params:rtp-hdrext:sdes:mid']) lines.push(`a=extmap:${lines.length % 14 + 1} ${ext}`);
  lines.push('a=sendrecv', 'a=msid:stream 7d1f0d3c-2d4e-4b7e-9d8a-0c1b2a3f4e5d', 'a=rtcp-mux');
  for (const c of codecs) lines.push(`a=rtpmap:${c}`);
  lines.push('a=rtcp-fb:111 transport-cc', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=ssrc:1507734520 cname:xR3ktqEz7c2Eav8X', 'a=ssrc:1507734520 msid:stream 7d1f0d3c-2d4e-4b7e-9d8a-0c1b2a3f4e5d');
  lines.push('m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 100 101', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=ice-ufrag:8zRx', 'a=ice-pwd:Xq3ySRq8mPj3X0ZJ7XWqzP4h', 'a=mid:1');
  const video = ['96 VP8/90000', '97 rtx/90000', '102 H264/90000', '103 rtx/90000', '104 H264/90000', '105 rtx/90000', '106 H264/90000', '107 rtx/90000', '108 H264/90000', '109 rtx/90000', '127 H264/90000', '125 rtx/90000', '39 AV1/90000', '40 rtx/90000', '45 VP9/90000', '46 rtx/90000', '98 red/90000', '99 rtx/90000', '100 ulpfec/90000'];
  for (const c of video) {
    const pt = c.split(' ')[0];
    lines.push(`a=rtpmap:${c}`);
    if (c.includes('rtx')) lines.push(`a=fmtp:${pt} apt=${Number(pt) - 1}`);
    else lines.push(`a=rtcp-fb:${pt} goog-remb`, `a=rtcp-fb:${pt} transport-cc`, `a=rtcp-fb:${pt} ccm fir`, `a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`);
  }
  lines.push('a=ssrc-group:FID 2231627014 632943048', 'a=ssrc:2231627014 cname:xR3ktqEz7c2Eav8X', 'a=ssrc:632943048 cname:xR3ktqEz7c2Eav8X');
  lines.push('m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=sctp-port:5000', 'a=max-message-size:262144');
  return `${lines.join('\r\n')}\r\n`;
}

/** Latency histogram: log buckets 2% wide over microseconds, mergeable by adding. */
export class Histogram {
  static readonly BASE = Math.log(1.02);
  readonly counts: number[] = [];
  n = 0;

  add(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const i = Math.ceil(Math.log(us) / Histogram.BASE);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.n++;
  }

  merge(other: { counts: Array<number | null>; n: number }): void {
    other.counts.forEach((c, i) => {
      if (c) this.counts[i] = (this.counts[i] ?? 0) + c;
    });
    this.n += other.n;
  }

  /** The p-th percentile in milliseconds (upper edge of its bucket); NaN when empty. */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.exp(i * Histogram.BASE) / 1000;
    }
    return NaN;
  }
}

/** Parent → worker commands. */
export type WorkerCommand =
  | { cmd: 'setup'; kind: ServerKind; port: number; firstPair: number; pairs: number; flooder: boolean }
  | { cmd: 'phase'; mode: 'fixed' | 'saturate' | 'flood'; seconds: number; warmupS: number; ratePerPair: number; window: number }
  | { cmd: 'exit' };

/** Worker → parent reports. */
export type WorkerReport =
  | { report: 'ready'; setupMs: number }
  | { report: 'result'; hist: { counts: Array<number | null>; n: number }; received: number; sent: number; closedByServer: number; rateLimited: number; seconds: number }
  | { report: 'failed'; error: string };

/** Server process → parent. */
export type ServerReport = { report: 'ready'; port: number } | { report: 'stats'; cpuUs: number; rss: number; heap: number };
