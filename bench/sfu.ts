/**
 * SFU benchmark (`npm run bench:sfu`): how many video consumers (one forwarded video stream to
 * one subscriber) Lectern's SFU sustains per CPU core at ≤ 1% loss and ≤ 10 ms p95 added delay.
 *
 * A real server runs in its own process with `--topology sfu`; load generator processes run
 * synthetic participants over real WebRTC (node-datachannel) and Lectern's real signaling.
 * Each step adds BENCH_SFU_STEP sessions of BENCH_SFU_PUBLISHERS publishers (500 kbit/s VP8 at
 * 45 packets/s + 50 packets/s Opus) and BENCH_SFU_SUBSCRIBERS receive-only participants;
 * publishers receive each other too. A step that misses a target ends the ramp (at most
 * BENCH_SFU_MAX_SESSIONS sessions). Then the class scenario: one teacher at 2 Mbit/s and 29
 * students at 150 kbit/s, last-N 9. Prints a table, then one JSON line.
 */
import { loadavg } from 'node:os';
import { round, runBenchmark } from './report.js';
import { ask, closeRig, openRig, type Rig } from './sfu-rig.js';
import { measure, settle, type StepResult } from './sfu-step.js';
import type { ParticipantSpec, PublishSpec } from './sfu-participant.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const PUBLISHERS = env('BENCH_SFU_PUBLISHERS', 4);
const SUBSCRIBERS = env('BENCH_SFU_SUBSCRIBERS', 21);
const STEP = env('BENCH_SFU_STEP', 1);
const MAX_SESSIONS = env('BENCH_SFU_MAX_SESSIONS', 12);
const SECONDS = env('BENCH_SFU_SECONDS', 10);
const GENERATORS = env('BENCH_SFU_GENERATORS', 2);
const LAST_N = env('BENCH_SFU_LAST_N', 9);
const CLASS = env('BENCH_SFU_CLASS', 1) !== 0;

const MAX_LOSS = 0.01;
const MAX_P95_MS = 10;
const MAX_RTT_P99_MS = 50;
const BASELINE = 500;

const CAMERA: PublishSpec = { videoBitrate: 500_000, fps: 15, loud: false };
const TEACHER: PublishSpec = { videoBitrate: 2_000_000, fps: 30, loud: true };
const STUDENT: PublishSpec = { videoBitrate: 150_000, fps: 15, loud: false };

let nextIndex = 0;

/** Video consumers a session makes: each receiver gets every other publisher, up to last-N. */
function consumersOf(publishers: number, receiveOnly: number): number {
  return publishers * Math.min(publishers - 1, LAST_N) + receiveOnly * Math.min(publishers, LAST_N);
}

/** Hands a session's participants to the generators in turn and waits until all have joined. */
async function addSession(rig: Rig, publishers: PublishSpec[], receiveOnly: number): Promise<void> {
  const code = await rig.probe.createSession();
  const specs: ParticipantSpec[] = [
    ...publishers.map((publish) => ({ code, index: nextIndex++, publish })),
    ...Array.from({ length: receiveOnly }, () => ({ code, index: nextIndex++, publish: null })),
  ];
  const shares = rig.generators.map((_, g) => specs.filter((_, i) => i % rig.generators.length === g));
  await Promise.all(rig.generators.map((g, i) => (shares[i]!.length > 0 ? ask(g, { cmd: 'join', url: rig.wsUrl, participants: shares[i]! }, 'joined') : null)));
}

const passes = (r: StepResult): boolean =>
  r.liveConsumers >= r.consumers && r.videoLoss <= MAX_LOSS && r.videoP95 <= MAX_P95_MS;

function row(cells: Array<string | number>): string {
  return cells.map((c, i) => String(c).padStart(i === 0 ? 9 : 10)).join(' ');
}

const HEADER = ['sessions', 'consumers', 'live', 'v loss %', 'v p50 ms', 'v p95 ms', 'a loss %', 'a p95 ms', 'sig p99', 'srv CPU %', 'CPU%/100c', 'RSS MB', 'gen CPU %', 'load avg'];

function printRow(label: string | number, r: StepResult): void {
  console.log(row([label, r.consumers, r.liveConsumers, round(r.videoLoss * 100, 2), round(r.videoP50, 2), round(r.videoP95, 2), round(r.audioLoss * 100, 2), round(r.audioP95, 2), round(r.rttP99, 1), round(r.serverCpu * 100), round(r.cpuPer100 * 100, 1), round(r.rssMb), round(r.generatorCpu * 100), round(r.loadAvg, 1)]));
}

async function main(): Promise<void> {
  const perSession = consumersOf(PUBLISHERS, SUBSCRIBERS);
  console.log(`bench:sfu — sessions of ${PUBLISHERS} publishers (500 kbit/s VP8, 45 pkt/s + Opus 50 pkt/s) and ${SUBSCRIBERS} receive-only participants (${perSession} video consumers each), +${STEP} session(s) a step up to ${MAX_SESSIONS}, ${SECONDS} s a step, ${GENERATORS} load generator processes, last-N ${LAST_N}`);
  console.log(`targets a step must meet: video loss ≤ ${MAX_LOSS * 100}%, p95 added delay ≤ ${MAX_P95_MS} ms, every consumer live; load average at start ${loadavg().map((l) => round(l, 1)).join(' ')}`);
  const rig = await openRig({ generators: GENERATORS, lastN: LAST_N });
  const steps: StepResult[] = [];
  let classResult: StepResult | null = null;
  try {
    console.log(row(HEADER));
    for (let sessions = STEP; sessions <= MAX_SESSIONS; sessions += STEP) {
      for (let i = 0; i < STEP; i++) await addSession(rig, Array.from({ length: PUBLISHERS }, (_, j) => ({ ...CAMERA, loud: j === 0 })), SUBSCRIBERS);
      const consumers = sessions * perSession;
      await settle(rig, consumers);
      const r = await measure(rig, consumers, SECONDS);
      steps.push(r);
      printRow(sessions, r);
      if (!passes(r)) break;
    }
    await Promise.all(rig.generators.map((g) => ask(g, { cmd: 'leave' }, 'left')));
    if (CLASS) {
      await addSession(rig, [TEACHER, ...Array.from({ length: 29 }, () => STUDENT)], 0);
      const consumers = consumersOf(30, 0);
      await settle(rig, consumers);
      classResult = await measure(rig, consumers, SECONDS);
      printRow('class', classResult);
    }
  } finally {
    await closeRig(rig);
  }
  const passed = steps.filter(passes);
  const best = passed.at(-1) ?? null;
  const value = best ? best.consumers / best.serverCpu : 0;
  const rttP99 = Math.max(...steps.map((s) => s.rttP99));
  if (best) console.log(`largest step within targets: ${best.consumers} video consumers at ${round(best.serverCpu * 100)}% of a core (server + its child processes) → ${round(value, 0)} consumers per core (linear: CPU per consumer held constant up to a full core)`);
  else console.log('no step met the targets');
  const failed = steps.find((s) => !passes(s));
  if (failed) console.log(`first step over a target: ${failed.consumers} consumers (${failed.liveConsumers} live, loss ${round(failed.videoLoss * 100, 2)}%, p95 ${round(failed.videoP95, 2)} ms)`);
  if (classResult) console.log(`class (1 teacher 2 Mbit/s + 29 students 150 kbit/s, last-N ${LAST_N}): server sends ${round(classResult.outMbps, 2)} Mbit/s of RTP to ${classResult.liveConsumers} video consumers, CPU ${round(classResult.serverCpu * 100)}%, RSS ${round(classResult.rssMb)} MB, video loss ${round(classResult.videoLoss * 100, 2)}%, p95 ${round(classResult.videoP95, 2)} ms`);
  console.log(`signaling round trip p99 under load: ${round(rttP99, 1)} ms (target ≤ ${MAX_RTT_P99_MS} ms); the generators share the machine's cores with the server (load average ${loadavg().map((l) => round(l, 1)).join(' ')})`);
  console.log(
    JSON.stringify({
      bench: 'sfu',
      value: round(value, 0),
      baseline: BASELINE,
      ratio: round(value / BASELINE, 2),
      unit: 'consumers/core',
      target: 'ratio>=1',
      consumers_sustained: best?.consumers ?? 0,
      server_cpu_pct_at_sustained: best ? round(best.serverCpu * 100) : null,
      cpu_pct_per_100_consumers: best ? round(best.cpuPer100 * 100, 1) : null,
      rss_mb: best ? round(best.rssMb) : null,
      video_loss_pct: best ? round(best.videoLoss * 100, 3) : null,
      video_p95_ms: best ? round(best.videoP95, 2) : null,
      signal_rtt_p99_ms: round(rttP99, 1),
      signal_rtt_target_met: rttP99 <= MAX_RTT_P99_MS,
      first_failed_consumers: failed?.consumers ?? null,
      class_out_mbps: classResult ? round(classResult.outMbps, 2) : null,
      class_cpu_pct: classResult ? round(classResult.serverCpu * 100) : null,
      class_consumers: classResult?.liveConsumers ?? null,
      load_avg: round(loadavg()[0]!, 1),
      cores: (await import('node:os')).cpus().length,
    }),
  );
}

runBenchmark(main);
