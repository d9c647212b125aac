/**
 * bench:sfu receive statistics: per forwarded stream (one publisher's audio or video at one
 * subscriber) the packets received against the packets the publisher numbered in the same
 * span, and the one-way delay from the publisher's send call to the subscriber's receive
 * callback. Snapshots are plain data, so they cross process boundaries and merge by adding.
 */
import { Histogram } from './signal-load.js';
import type { Probe } from './sfu-rtp.js';

export type MediaKind = 'audio' | 'video';

interface StreamCount {
  first: number;
  last: number;
  received: number;
  bytes: number;
  lastAtNs: bigint;
}

/** A serialisable histogram (what {@link Histogram} merges). */
export interface HistogramData {
  counts: Array<number | null>;
  n: number;
}

/** One kind of media, summed over the streams of one or more subscribers. */
export interface KindTotals {
  /** Streams that delivered at least one packet. */
  streams: number;
  received: number;
  /** Packets the publishers numbered between each stream's first and last packet seen here. */
  expected: number;
  bytes: number;
  /** Loss of the worst stream (0..1). */
  worstLoss: number;
  delay: HistogramData;
}

export type StatsSnapshot = Record<MediaKind, KindTotals>;

const emptyTotals = (): KindTotals => ({ streams: 0, received: 0, expected: 0, bytes: 0, worstLoss: 0, delay: { counts: [], n: 0 } });

/** One subscriber's streams since the last {@link ReceiveStats.reset}. */
export class ReceiveStats {
  readonly #streams: Record<MediaKind, Map<number, StreamCount>> = { audio: new Map(), video: new Map() };
  readonly #delay: Record<MediaKind, Histogram> = { audio: new Histogram(), video: new Histogram() };

  note(kind: MediaKind, probe: Probe, bytes: number, nowNs: bigint): void {
    const streams = this.#streams[kind];
    const s = streams.get(probe.streamId);
    if (!s) streams.set(probe.streamId, { first: probe.counter, last: probe.counter, received: 1, bytes, lastAtNs: nowNs });
    else {
      // Counters only grow (a reordered packet lowers nothing but stays counted).
      if (probe.counter > s.last) s.last = probe.counter;
      if (probe.counter < s.first) s.first = probe.counter;
      s.received++;
      s.bytes += bytes;
      s.lastAtNs = nowNs;
    }
    this.#delay[kind].add(Number(nowNs - probe.sentNs) / 1e6);
  }

  /** Starts a new window: what came before is forgotten. */
  reset(): void {
    for (const kind of ['audio', 'video'] as const) {
      this.#streams[kind].clear();
      this.#delay[kind] = new Histogram();
    }
  }

  /** Video streams that delivered a packet within `withinMs` of `nowNs`. */
  liveVideoStreams(nowNs: bigint, withinMs: number): number {
    let n = 0;
    for (const s of this.#streams.video.values()) if (nowNs - s.lastAtNs < BigInt(withinMs * 1e6)) n++;
    return n;
  }

  snapshot(): StatsSnapshot {
    const out = { audio: emptyTotals(), video: emptyTotals() };
    for (const kind of ['audio', 'video'] as const) {
      const t = out[kind];
      for (const s of this.#streams[kind].values()) {
        const expected = s.last - s.first + 1;
        t.streams++;
        t.received += Math.min(s.received, expected);
        t.expected += expected;
        t.bytes += s.bytes;
        t.worstLoss = Math.max(t.worstLoss, 1 - Math.min(s.received, expected) / expected);
      }
      t.delay = { counts: [...this.#delay[kind].counts], n: this.#delay[kind].n };
    }
    return out;
  }
}

/** Adds snapshots of several subscribers (or processes) together. */
export function mergeSnapshots(snapshots: readonly StatsSnapshot[]): StatsSnapshot & { delayHist: Record<MediaKind, Histogram> } {
  const out = { audio: emptyTotals(), video: emptyTotals(), delayHist: { audio: new Histogram(), video: new Histogram() } };
  for (const s of snapshots) {
    for (const kind of ['audio', 'video'] as const) {
      const t = out[kind];
      t.streams += s[kind].streams;
      t.received += s[kind].received;
      t.expected += s[kind].expected;
      t.bytes += s[kind].bytes;
      t.worstLoss = Math.max(t.worstLoss, s[kind].worstLoss);
      out.delayHist[kind].merge(s[kind].delay);
    }
  }
  for (const kind of ['audio', 'video'] as const) out[kind].delay = { counts: out.delayHist[kind].counts, n: out.delayHist[kind].n };
  return out;
}

/** Loss as a fraction (0 when nothing was expected). */
export const lossOf = (t: KindTotals): number => (t.expected === 0 ? 0 : 1 - t.received / t.expected);
