/**
 * SFU benchmark (`npm run bench:sfu`): how many video consumers (one forwarded video stream to
 * one subscriber) Lectern's SFU sustains per CPU core at ≤ 1% loss and ≤ 10 ms p95 added delay.
 *
 * A real server runs in its own process with `--topology sfu`; load generator processes run
 * synthetic participants over real WebRTC (node-datachannel) and Lectern's real signaling.
 * Sessions have BENCH_SFU_PUBLISHERS publishers (500 kbit/s VP8 at 45 packets/s + 50 packets/s
 * Opus; they receive each other too). The first step is one such session alone; each further
 * step adds BENCH_SFU_STEP_RECEIVERS receive-only participants (a new session when one holds
 * BENCH_SFU_SESSION_SIZE). A step that misses a target ends the ramp (at most
 * BENCH_SFU_MAX_STEPS steps). Then the class scenario: one
 * teacher at 2 Mbit/s and 29 students at 150 kbit/s, last-N 9. Prints a table, then one JSON line.
 */
import { cpus, loadavg } from 'node:os';
import { round, runBenchmark } from './report.js';
import { Histogram } from './signal-load.js';
import { ask, closeRig, openRig, type Rig } from './sfu-rig.js';
import { measure, settle, type StepResult } from './sfu-step.js';
import type { ParticipantSpec, PublishSpec } from './sfu-participant.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const PUBLISHERS = env('BENCH_SFU_PUBLISHERS', 9);
const STEP_RECEIVERS = env('BENCH_SFU_STEP_RECEIVERS', 8);
const MAX_STEPS = env('BENCH_SFU_MAX_STEPS', 12);
const SESSION_SIZE = env('BENCH_SFU_SESSION_SIZE', 50);
const SECONDS = env('BENCH_SFU_SECONDS', 10);
const GENERATORS = env('BENCH_SFU_GENERATORS', 2);
const LAST_N = env('BENCH_SFU_LAST_N', 9);
const CLASS = env('BENCH_SFU_CLASS', 1) !== 0;
const IDLE_SECONDS = 5;
const SFU_WORKERS = process.env.BENCH_SFU_WORKERS === undefined ? null : Number(process.env.BENCH_SFU_WORKERS);

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

/** Hands participants to the generators in turn and waits until all have joined. */
async function joinAll(rig: Rig, code: string, people: Array<PublishSpec | null>): Promise<void> {
  const specs: ParticipantSpec[] = people.map((publish) => ({ code, index: nextIndex++, publish }));
  const shares = rig.generators.map((_, g) => specs.filter((_, i) => i % rig.generators.length === g));
  await Promise.all(rig.generators.map((g, i) => (shares[i]!.length > 0 ? ask(g, { cmd: 'join', url: rig.wsUrl, participants: shares[i]! }, 'joined') : null)));
}

/**
 * The load ramp: sessions of PUBLISHERS publishers (who receive each other) filled with
 * receive-only participants up to SESSION_SIZE, then a new session.
 */
class Ramp {
  consumers = 0;
  people = 0;
  #session: { code: string; size: number } | null = null;

  constructor(private readonly rig: Rig) {}

  /** A new session of publishers only (they receive each other). */
  async addPublishers(): Promise<void> {
    const code = await this.rig.probe.createSession();
    await joinAll(this.rig, code, Array.from({ length: PUBLISHERS }, (_, j) => ({ ...CAMERA, loud: j === 0 })));
    this.#session = { code, size: PUBLISHERS };
    this.consumers += consumersOf(PUBLISHERS, 0);
    this.people += PUBLISHERS;
  }

  async addReceivers(count: number): Promise<void> {
    while (count > 0) {
      if (!this.#session || this.#session.size >= SESSION_SIZE) await this.addPublishers();
      const session = this.#session!;
      const n = Math.min(count, SESSION_SIZE - session.size);
      await joinAll(this.rig, session.code, Array.from({ length: n }, () => null));
      session.size += n;
      this.consumers += consumersOf(PUBLISHERS, n) - consumersOf(PUBLISHERS, 0);
      this.people += n;
      count -= n;
    }
  }
}

/** Every consumer received and at most 1% was lost: the ramp goes on while this holds. */
const deliverable = (r: StepResult): boolean => r.liveConsumers >= r.consumers && r.videoLoss <= MAX_LOSS;
/** Within every target, the added delay too. */
const passes = (r: StepResult): boolean => deliverable(r) && r.addedP95 <= MAX_P95_MS;
const verdict = (r: StepResult): string => (passes(r) ? 'ok' : deliverable(r) ? 'delay' : 'loss');

function row(cells: Array<string | number>): string {
  return cells.map((c, i) => String(c).padStart(i === 0 ? 9 : 10)).join(' ');
}

const HEADER = ['people', 'consumers', 'live', 'v loss %', 'v p50 ms', 'v p95 ms', 'ref p95', 'added p95', 'a loss %', 'a p95 ms', 'sig p99', 'srv CPU %', 'CPU%/100c', 'RSS MB', 'gen CPU %', 'restarts', 'load avg', 'verdict'];

function printRow(label: string | number, r: StepResult): void {
  console.log(row([label, r.consumers, r.liveConsumers, round(r.videoLoss * 100, 2), round(r.videoP50, 2), round(r.videoP95, 2), round(r.referenceP95, 2), round(r.addedP95, 2), round(r.audioLoss * 100, 2), round(r.audioP95, 2), round(r.rttP99, 1), round(r.serverCpu * 100), round(r.cpuPer100 * 100, 1), round(r.rssMb), round(r.generatorCpu * 100), r.restarts, round(r.loadAvg, 1), label === 'class' ? '' : verdict(r)]));
}

async function main(): Promise<void> {
  console.log(`bench:sfu — sessions of ${PUBLISHERS} publishers (500 kbit/s VP8, 45 pkt/s + Opus 50 pkt/s; they receive each other) filled up to ${SESSION_SIZE} people with receive-only participants, +${STEP_RECEIVERS} receivers a step, at most ${MAX_STEPS} steps, ${SECONDS} s a step, ${GENERATORS} load generator processes, last-N ${LAST_N}, SFU workers ${SFU_WORKERS ?? 'the server default (one per core)'}`);
  console.log(`targets a step must meet: video loss ≤ ${MAX_LOSS * 100}%, p95 added delay ≤ ${MAX_P95_MS} ms (SFU path p95 − p95 of the same stream sent directly between two connections in a generator, measured beside it), every consumer live; load average at start ${loadavg().map((l) => round(l, 1)).join(' ')}`);
  const rig = await openRig({ generators: GENERATORS, lastN: LAST_N, sfuWorkers: SFU_WORKERS });
  const steps: StepResult[] = [];
  let classResult: StepResult | null = null;
  let idleRttP99 = NaN;
  try {
    // The signaling round trip with no media at all: what the machine alone costs the probe.
    rig.probe.rtt = new Histogram();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000)); // a measured window, not a synchronisation
    idleRttP99 = rig.probe.rtt.percentile(99);
    console.log(`signaling round trip p99 with no media: ${round(idleRttP99, 1)} ms (${rig.probe.rtt.n} pings)`);
    console.log(row(HEADER));
    const ramp = new Ramp(rig);
    for (let step = 1; step <= MAX_STEPS; step++) {
      // The first step is one session of publishers alone; each further step adds receivers.
      if (step === 1) await ramp.addPublishers();
      else await ramp.addReceivers(STEP_RECEIVERS);
      await settle(rig, ramp.consumers);
      const r = await measure(rig, ramp.consumers, SECONDS);
      steps.push(r);
      printRow(ramp.people, r);
      // Over the delay target the ramp goes on (the CPU cost per consumer is still worth
      // measuring on a busy machine); a step that loses packets or consumers ends it.
      if (!deliverable(r)) break;
    }
    await Promise.all(rig.generators.map((g) => ask(g, { cmd: 'leave' }, 'left')));
    if (CLASS) {
      const code = await rig.probe.createSession();
      await joinAll(rig, code, [TEACHER, ...Array.from({ length: 29 }, () => STUDENT)]);
      const consumers = consumersOf(30, 0);
      await settle(rig, consumers);
      classResult = await measure(rig, consumers, SECONDS);
      printRow('class', classResult);
    }
  } finally {
    await closeRig(rig);
  }
  summarize(steps, classResult, idleRttP99);
}

/** The verdict lines and the JSON line. */
function summarize(steps: StepResult[], classResult: StepResult | null, idleRttP99: number): void {
  const best = steps.filter(passes).at(-1) ?? null;
  const value = best ? best.consumers / best.serverCpu : 0;
  const rttP99 = Math.max(...steps.map((s) => s.rttP99));
  // The CPU cost alone, at the largest step that delivered (whatever its delay).
  const delivered = steps.filter(deliverable).at(-1) ?? null;
  const byCpu = delivered ? delivered.consumers / delivered.serverCpu : 0;
  const failed = steps.find((s) => !passes(s));
  if (best) console.log(`largest step within every target: ${best.consumers} video consumers at ${round(best.serverCpu * 100)}% of a core (server + its child processes) → ${round(value, 0)} consumers per core (CPU per consumer held constant up to a full core)`);
  else console.log('no step met every target');
  if (failed) console.log(`first step over a target: ${failed.consumers} consumers (${failed.liveConsumers} live, loss ${round(failed.videoLoss * 100, 2)}%, p95 ${round(failed.videoP95, 2)} ms, ${round(failed.addedP95, 2)} ms over the direct path)`);
  if (delivered) console.log(`largest step delivered (≤ ${MAX_LOSS * 100}% loss, every consumer live, any delay): ${delivered.consumers} consumers at ${round(delivered.serverCpu * 100)}% of a core → ${round(byCpu, 0)} consumers per core by CPU time; RSS ${round(delivered.rssMb)} MB`);
  if (classResult) console.log(`class (1 teacher 2 Mbit/s + 29 students 150 kbit/s, last-N ${LAST_N}): server sends ${round(classResult.outMbps, 2)} Mbit/s of RTP to ${classResult.liveConsumers} video consumers, CPU ${round(classResult.serverCpu * 100)}%, RSS ${round(classResult.rssMb)} MB, video loss ${round(classResult.videoLoss * 100, 2)}%, p95 ${round(classResult.videoP95, 2)} ms`);
  console.log(`signaling round trip p99 under load: ${best ? `${round(best.rttP99, 1)} ms at ${best.consumers} consumers, ` : ''}${round(rttP99, 1)} ms at worst (target ≤ ${MAX_RTT_P99_MS} ms); the generators share the machine's ${cpus().length} cores with the server (load average now ${loadavg().map((l) => round(l, 1)).join(' ')})`);
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
      added_p95_ms: best ? round(best.addedP95, 2) : null,
      first_failed_consumers: failed?.consumers ?? null,
      first_failed_added_p95_ms: failed ? round(failed.addedP95, 2) : null,
      first_failed_direct_p95_ms: failed ? round(failed.referenceP95, 2) : null,
      delivered_consumers: delivered?.consumers ?? 0,
      consumers_per_core_by_cpu: round(byCpu, 0),
      cpu_pct_per_100_consumers: delivered ? round(delivered.cpuPer100 * 100, 1) : null,
      rss_mb: delivered ? round(delivered.rssMb) : null,
      signal_rtt_p99_at_sustained_ms: best ? round(best.rttP99, 1) : null,
      signal_rtt_p99_ms: round(rttP99, 1),
      signal_rtt_target_met: rttP99 <= MAX_RTT_P99_MS,
      signal_rtt_idle_p99_ms: round(idleRttP99, 1),
      class_out_mbps: classResult ? round(classResult.outMbps, 2) : null,
      class_cpu_pct: classResult ? round(classResult.serverCpu * 100) : null,
      class_consumers: classResult?.liveConsumers ?? null,
      class_p95_ms: classResult ? round(classResult.videoP95, 2) : null,
      generator_clock_late_ms: round(Math.max(...steps.map((s) => s.clockLateMs)), 0),
      load_avg: round(loadavg()[0]!, 1),
      cores: cpus().length,
    }),
  );
}

runBenchmark(main);
