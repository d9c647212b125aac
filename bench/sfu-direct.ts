/**
 * bench:sfu reference path: a node-datachannel publisher connected straight to a
 * node-datachannel subscriber in the same generator process, no server between them, sending
 * the same 500 kbit/s VP8 stream. Its one-way delay is what the machine (encryption, two UDP
 * hops' worth of scheduling, a busy event loop) costs without the SFU; the SFU path's delay
 * minus this one is the delay the SFU adds.
 */
import ndc from 'node-datachannel';
import { VP8_PT, Vp8Source, isRtcp, monotonicNs, readProbe, sendPacket } from './sfu-rtp.js';
import { ReceiveStats } from './sfu-stats.js';

/** A stream id no synthetic participant uses. */
const REFERENCE_STREAM = 0xffff_fff0;

export class DirectPath {
  readonly stats = new ReceiveStats();
  readonly #sender: ndc.PeerConnection;
  readonly #receiver: ndc.PeerConnection;
  readonly #track: ndc.Track;
  /** node-datachannel stops calling back for a Track object that was garbage-collected: keep it. */
  #received: ndc.Track | null = null;
  readonly #source: Vp8Source;

  constructor(bitrate: number, fps: number) {
    this.#source = new Vp8Source(REFERENCE_STREAM, bitrate, fps);
    const config = { iceServers: [], bindAddress: '127.0.0.1' };
    this.#sender = new ndc.PeerConnection('bench-direct-send', config);
    this.#receiver = new ndc.PeerConnection('bench-direct-recv', config);
    // Complete descriptions (candidates inside) handed over in-process: the same ICE, DTLS
    // and SRTP as the SFU path, without trickling.
    link(this.#sender, this.#receiver);
    link(this.#receiver, this.#sender);
    this.#receiver.onTrack((track) => {
      this.#received = track;
      track.setMediaHandler(new ndc.RtcpReceivingSession());
      track.onMessage((packet) => {
        if (isRtcp(packet)) return;
        const probe = readProbe(packet);
        if (probe) this.stats.note('video', probe, packet.length, monotonicNs());
      });
    });
    const video = new ndc.Video('0', 'SendOnly');
    video.addVP8Codec(VP8_PT);
    video.addSSRC(this.#source.ssrc, 'bench-direct', 'bench', 'bench-direct-video');
    this.#track = this.#sender.addTrack(video);
    this.#sender.setLocalDescription('offer');
  }

  /** Sends the frame that is due (called by the generator's send clock). */
  tick(nowMs: number): void {
    if (this.#track.isOpen()) for (const p of this.#source.due(nowMs)) sendPacket(this.#track, p);
  }

  close(): void {
    this.#sender.close();
    this.#receiver.close();
  }
}

/**
 * Hands `from`'s description to `to` once `from` has gathered its candidates (out of
 * libdatachannel's callback). libdatachannel may refuse a description while its own ICE
 * transport is still being set up; it is handed over again shortly after.
 */
function link(from: ndc.PeerConnection, to: ndc.PeerConnection): void {
  const hand = (attempt: number): void => {
    const d = from.localDescription();
    if (!d) return;
    try {
      to.setRemoteDescription(d.sdp, d.type);
    } catch (err) {
      if (attempt >= 100) throw err;
      setTimeout(() => hand(attempt + 1), 50);
    }
  };
  from.onGatheringStateChange((state) => {
    if (state === 'complete') setImmediate(() => hand(0));
  });
}
