import type { AudioLevelMeter } from '../ports.js';

let shared: AudioContext | null = null;

/** Measures a local track's level (RMS, scaled to 0..1) with Web Audio. */
export function webAudioLevelMeter(track: MediaStreamTrack): AudioLevelMeter {
  const Ctx = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx) return { level: () => 0, close: () => {} };
  shared ??= new Ctx();
  const ctx = shared;
  if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  return {
    level() {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      // RMS of speech sits around 0.01–0.2; stretch it so a normal voice fills the meter.
      return Math.min(1, Math.sqrt(sum / buf.length) * 4);
    },
    close() {
      source.disconnect();
      analyser.disconnect();
    },
  };
}
