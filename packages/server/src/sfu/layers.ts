/**
 * Simulcast at the SFU: a publisher sends its camera as up to three layers (about 180p, 360p
 * and 720p), each its own SSRC, named by a rid. {@link PublishedLayers} learns which SSRC is
 * which layer and how fast each flows; {@link chooseLayers} picks, for one receiver, the layer
 * of each stream it shows: the smallest that fills the tile, within the receiver's bandwidth.
 */

/** One layer of a publisher's video. `index` 0 is the lowest. */
export interface VideoLayer {
  rid: string;
  index: number;
  ssrc: number;
  /** Smoothed rate, bits per second. */
  bitrate: number;
  /** Nominal picture height: the top layer is `topHeight`, each one below half of the one above. */
  height: number;
}

interface LayerState extends VideoLayer {
  lastAt: number;
  windowStart: number;
  windowBytes: number;
}

/** A layer that sent nothing for this long is not offered to receivers (the encoder dropped it). */
const LAYER_SILENT_MS = 1500;
const RATE_WINDOW_MS = 500;

/** True when a layer this tall fills a tile of `wantHeight` (with a little slack: a 340 px tile takes 360p). */
function fills(layerHeight: number, wantHeight: number): boolean {
  return layerHeight >= wantHeight * 0.9;
}

/** The layers of one publisher's video, learned from its packets. */
export class PublishedLayers {
  readonly #byRid = new Map<string, LayerState>();
  readonly #bySsrc = new Map<number, LayerState>();

  /**
   * @param rids the rids the publisher offered, lowest layer first (`a=simulcast:send q;h;f`);
   *   empty when it sends one stream, which is then the only layer.
   */
  constructor(
    readonly rids: readonly string[],
    private readonly topHeight = 720,
  ) {}

  /**
   * Notes a video packet; returns its layer, or null while its SSRC is unknown (a simulcast
   * packet without the rid extension, before the first one that had it).
   */
  note(ssrc: number, rid: string | null, bytes: number, now: number): VideoLayer | null {
    let layer = this.#bySsrc.get(ssrc);
    if (!layer) {
      const name = this.rids.length === 0 ? '' : rid;
      if (name === null || (this.rids.length > 0 && !this.rids.includes(name))) return null;
      const previous = this.#byRid.get(name);
      if (previous) this.#bySsrc.delete(previous.ssrc); // the publisher restarted the layer
      const index = this.rids.length === 0 ? 0 : this.rids.indexOf(name);
      layer = { rid: name, index, ssrc, bitrate: 0, height: this.#nominalHeight(index), lastAt: now, windowStart: now, windowBytes: 0 };
      this.#byRid.set(name, layer);
      this.#bySsrc.set(ssrc, layer);
    }
    layer.lastAt = now;
    layer.windowBytes += bytes;
    const elapsed = now - layer.windowStart;
    if (elapsed >= RATE_WINDOW_MS) {
      const rate = (layer.windowBytes * 8 * 1000) / elapsed;
      layer.bitrate = layer.bitrate === 0 ? rate : layer.bitrate * 0.5 + rate * 0.5;
      layer.windowStart = now;
      layer.windowBytes = 0;
    }
    return layer;
  }

  /** The index of the smallest layer at least (about) `height` tall, or the top one; -1 for 0. */
  indexFor(height: number): number {
    if (height <= 0) return -1;
    const count = Math.max(1, this.rids.length);
    for (let i = 0; i < count; i++) if (fills(this.#nominalHeight(i), height)) return i;
    return count - 1;
  }

  /** A layer's nominal height: the top one is `topHeight`, each one below half the one above. */
  #nominalHeight(index: number): number {
    return Math.round(this.topHeight / 2 ** (Math.max(1, this.rids.length) - 1 - index));
  }

  /** The layer an SSRC belongs to, or undefined. */
  bySsrc(ssrc: number): VideoLayer | undefined {
    return this.#bySsrc.get(ssrc);
  }

  /** Layers flowing now, lowest first. */
  active(now: number): VideoLayer[] {
    return [...this.#byRid.values()].filter((l) => now - l.lastAt < LAYER_SILENT_MS).sort((a, b) => a.index - b.index);
  }
}

/** One stream a receiver shows: what is on offer, how large it is shown, what it gets now. */
export interface LayerRequest<K> {
  key: K;
  /** Layers flowing now, lowest first. */
  layers: readonly VideoLayer[];
  /** Height in device pixels of the tile that shows it (0: not visible: no video at all). */
  wantHeight: number;
  /** SSRC forwarded now, or null. */
  current: number | null;
}

/**
 * Picks a layer per stream for one receiver. Each stream gets the smallest layer at least as
 * tall as its tile (with a little slack: a 340 px tile takes the 360p layer), or the top one.
 * Then, while the sum of their bitrates is over `budget` (bits per second), the costliest
 * stream steps down a layer: a receiver on a constrained link gets smaller pictures, never
 * frozen ones. A stream with no layers, or that is not visible, gets null.
 */
export function chooseLayers<K>(requests: readonly LayerRequest<K>[], budget: number): Map<K, VideoLayer | null> {
  const picks = new Map<K, { layers: readonly VideoLayer[]; at: number }>();
  for (const r of requests) {
    if (r.layers.length === 0 || r.wantHeight <= 0) {
      picks.set(r.key, { layers: r.layers, at: -1 });
      continue;
    }
    let at = r.layers.findIndex((l) => fills(l.height, r.wantHeight));
    if (at < 0) at = r.layers.length - 1;
    picks.set(r.key, { layers: r.layers, at });
  }
  const rate = (p: { layers: readonly VideoLayer[]; at: number }) => (p.at < 0 ? 0 : p.layers[p.at]!.bitrate);
  let total = [...picks.values()].reduce((sum, p) => sum + rate(p), 0);
  while (total > budget) {
    let costliest: { layers: readonly VideoLayer[]; at: number } | null = null;
    for (const p of picks.values()) if (p.at > 0 && (!costliest || rate(p) > rate(costliest))) costliest = p;
    if (!costliest) break;
    total -= rate(costliest);
    costliest.at--;
    total += rate(costliest);
  }
  return new Map([...picks].map(([k, p]) => [k, p.at < 0 ? null : p.layers[p.at]!]));
}
