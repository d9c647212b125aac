/**
 * bench:sfu one step: wait until every expected video consumer receives, then measure a window
 * of load: what the subscribers got (loss, delay), the server's CPU and memory (its process
 * tree, from /proc), the generators' CPU, and the signaling probe's round trips.
 */
import { loadavg } from 'node:os';
import { waitFor } from '@lectern/testing';
import { Histogram } from './signal-load.js';
import { processTreeUsage } from './sfu-proc.js';
import { ask, type Rig } from './sfu-rig.js';
import { lossOf, mergeSnapshots } from './sfu-stats.js';

/** A step's figures. CPU figures are fractions of one core. */
export interface StepResult {
  consumers: number;
  /** Video streams that delivered packets in the window. */
  liveConsumers: number;
  videoLoss: number;
  videoWorstLoss: number;
  videoP50: number;
  videoP95: number;
  /** p95 one-way delay of the same stream sent straight between two connections in a generator (no SFU). */
  referenceP95: number;
  /** videoP95 − referenceP95: the delay the SFU adds. */
  addedP95: number;
  audioLoss: number;
  audioP95: number;
  rttP99: number;
  serverCpu: number;
  cpuPer100: number;
  rssMb: number;
  generatorCpu: number;
  /** `sfu-restart`s the participants got (a worker died or a connection failed), since they joined. */
  restarts: number;
  /** Worst lateness of a generator's send clock (ms): a saturated generator shows here. */
  clockLateMs: number;
  /** What the server forwarded, as received by the subscribers (RTP bytes, audio + video). */
  outMbps: number;
  loadAvg: number;
}

const SETTLE_TIMEOUT_MS = 90_000;

async function liveVideoStreams(rig: Rig): Promise<number> {
  const answers = await Promise.all(rig.generators.map((g) => ask(g, { cmd: 'status' }, 'status')));
  return answers.reduce((n, a) => n + a.liveVideoStreams, 0);
}

/** Waits until `consumers` video streams flow (or the deadline passes: the step then shows fewer live). */
export async function settle(rig: Rig, consumers: number): Promise<void> {
  await waitFor(async () => (await liveVideoStreams(rig)) >= consumers, { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500, what: `${consumers} video consumers` }).catch((err: unknown) => {
    console.error(`  ${(err as Error).message}; measuring what flows`);
  });
}

const generatorCpuS = (rig: Rig): number => rig.generators.reduce((s, g) => s + processTreeUsage(g.pid!).cpuS, 0);

/** Measures `seconds` of the current load. */
export async function measure(rig: Rig, consumers: number, seconds: number): Promise<StepResult> {
  await Promise.all(rig.generators.map((g) => ask(g, { cmd: 'reset' }, 'reset')));
  rig.probe.rtt = new Histogram();
  const before = processTreeUsage(rig.server.child.pid!);
  const genBefore = generatorCpuS(rig);
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000)); // the measured window itself, not a synchronisation
  const collected = await Promise.all(rig.generators.map((g) => ask(g, { cmd: 'collect' }, 'collected')));
  const wall = (performance.now() - t0) / 1000;
  const after = processTreeUsage(rig.server.child.pid!);
  const genCpu = (generatorCpuS(rig) - genBefore) / wall;
  const merged = mergeSnapshots(collected.map((c) => c.stats));
  const ref = mergeSnapshots(collected.map((c) => c.reference)).delayHist.video;
  const serverCpu = (after.cpuS - before.cpuS) / wall;
  return {
    consumers,
    liveConsumers: merged.video.streams,
    videoLoss: lossOf(merged.video),
    videoWorstLoss: merged.video.worstLoss,
    videoP50: merged.delayHist.video.percentile(50),
    videoP95: merged.delayHist.video.percentile(95),
    referenceP95: ref.percentile(95),
    addedP95: Math.max(0, merged.delayHist.video.percentile(95) - ref.percentile(95)),
    audioLoss: lossOf(merged.audio),
    audioP95: merged.delayHist.audio.percentile(95),
    rttP99: rig.probe.rtt.percentile(99),
    serverCpu,
    cpuPer100: merged.video.streams > 0 ? (serverCpu / merged.video.streams) * 100 : NaN,
    rssMb: after.rssMb,
    generatorCpu: genCpu,
    restarts: collected.reduce((n, c) => n + c.restarts, 0),
    clockLateMs: Math.max(...collected.map((c) => c.clockLateMs)),
    outMbps: ((merged.audio.bytes + merged.video.bytes) * 8) / wall / 1e6,
    loadAvg: loadavg()[0]!,
  };
}
