/**
 * Signaling benchmark (`npm run bench:signal`): BENCH_CLIENTS WebSocket clients (default 5,000)
 * in pairs exchange offer/answer/ICE-sized messages through Lectern, through the PeerJS server
 * (npm `peer`) and through a bare `ws` relay (the floor), in the same run under the same load.
 * Each server runs in its own process; the load comes from worker processes.
 *
 * Phases per server: `fixed` (BENCH_RATE messages/s per pair for BENCH_SECONDS: latency at a
 * realistic load), `saturate` (each pair bounces BENCH_WINDOW messages as fast as it can for
 * BENCH_SAT_SECONDS: the most the server relays), and for Lectern `flood` (BENCH_FLOODERS of
 * the clients flood while the others keep the fixed rate: their p99 against `fixed`).
 * Prints a table, then one JSON line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { nextReport } from './child-report.js';
import { round, runBenchmark } from './report.js';
import { Histogram, LECTERN_BENCH_LIMITS, SERVER_KINDS, type ServerKind, type ServerReport, type WorkerCommand, type WorkerReport } from './signal-load.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const CLIENTS = env('BENCH_CLIENTS', 5000);
const SECONDS = env('BENCH_SECONDS', 60);
const SAT_SECONDS = env('BENCH_SAT_SECONDS', 15);
const FLOOD_SECONDS = env('BENCH_FLOOD_SECONDS', SECONDS);
const WARMUP_S = env('BENCH_WARMUP_SECONDS', 1);
const RATE = env('BENCH_RATE', 1);
const WINDOW = env('BENCH_WINDOW', 1);
const FLOODERS = env('BENCH_FLOODERS', Math.round(CLIENTS / 5));
const WORKERS = env('BENCH_WORKERS', 3);
const SLICE_S = env('BENCH_SLICE_SECONDS', 10);
/** A server is quiet again when it uses less CPU than this (percent of one core) over SETTLE_WINDOW_MS. */
const QUIET_CPU_PCT = env('BENCH_QUIET_CPU_PCT', 5);
const SETTLE_WINDOW_MS = 250;
const SETTLE_DEADLINE_MS = 60_000;
/** BENCH_PHASES=flood runs only the flood turns (e.g. to profile them); all three by default. */
const PHASES = (process.env.BENCH_PHASES ?? 'fixed,saturate,flood').split(',');

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

interface PhaseResult {
  msgsPerS: number;
  p50: number;
  p99: number;
  lost: number;
  cpuPct: number;
  /** Server CPU milliseconds per 1,000 relayed messages. */
  cpuMsPerK: number;
  closedByServer: number;
  rateLimited: number;
  /** Latency of the honest workers only (those that do not flood in `flood`). */
  honestP99: number;
}

interface ServerResult {
  kind: ServerKind;
  setupS: number;
  rssPerConnKb: number;
  phases: Partial<Record<Mode, PhaseResult>>;
}

type Mode = 'fixed' | 'saturate' | 'flood';

/** One server with its load workers, all connected. */
interface Rig {
  kind: ServerKind;
  server: ChildProcess;
  workers: ChildProcess[];
  /** The pair range of each worker; the flooder worker's pairs flood in `flood`. */
  ranges: Array<{ first: number; count: number; flooder: boolean }>;
  setupS: number;
  rssPerConnKb: number;
}

/** What the slices of one phase of one server add up to. */
class PhaseTotals {
  readonly all = new Histogram();
  readonly honest = new Histogram();
  received = 0;
  sent = 0;
  seconds = 0;
  wall = 0;
  cpuMs = 0;
  closedByServer = 0;
  floodersClosed = 0;
  rateLimited = 0;
  /** How long the server took to become quiet before this phase's turns. */
  settleMs = 0;

  result(): PhaseResult {
    return {
      msgsPerS: this.received / this.seconds,
      p50: this.all.percentile(50),
      p99: this.all.percentile(99),
      lost: this.sent - this.received,
      cpuPct: this.cpuMs / 10 / this.wall,
      cpuMsPerK: (this.cpuMs / ((this.received / this.seconds) * this.wall)) * 1000,
      closedByServer: this.closedByServer,
      rateLimited: this.rateLimited,
      honestP99: this.honest.percentile(99),
    };
  }
}

async function serverStats(server: ChildProcess, gc: boolean): Promise<{ cpuUs: number; rss: number }> {
  return nextReport<Extract<ServerReport, { report: 'stats' }>>(server, ['stats'], { cmd: 'stats', gc });
}

async function openRig(kind: ServerKind): Promise<Rig> {
  const extraArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const server = fork(here('./signal-server.js'), [kind], { execArgv: ['--expose-gc', ...extraArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const rig: Rig = { kind, server, workers: [], ranges: [], setupS: 0, rssPerConnKb: 0 };
  const { port } = await nextReport<Extract<ServerReport, { report: 'ready' }>>(server, ['ready']);
  const idle = await serverStats(server, true);
  // Honest workers share the pairs that never flood; one more worker holds the flooders' pairs.
  const pairs = Math.floor(CLIENTS / 2);
  const floodPairs = Math.min(pairs - 1, Math.floor(FLOODERS / 2));
  const honestPairs = pairs - floodPairs;
  for (let w = 0, first = 0; w < WORKERS; w++) {
    const count = Math.floor(honestPairs / WORKERS) + (w < honestPairs % WORKERS ? 1 : 0);
    rig.ranges.push({ first, count, flooder: false });
    first += count;
  }
  if (floodPairs > 0) rig.ranges.push({ first: honestPairs, count: floodPairs, flooder: true });
  const t0 = performance.now();
  for (const r of rig.ranges) {
    const worker = fork(here('./signal-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    rig.workers.push(worker);
    const setup: WorkerCommand = { cmd: 'setup', kind, port, firstPair: r.first, pairs: r.count, flooder: r.flooder };
    worker.send(setup);
  }
  await Promise.all(rig.workers.map((w) => nextReport(w, ['ready'])));
  rig.setupS = (performance.now() - t0) / 1000;
  const connected = await serverStats(server, true);
  rig.rssPerConnKb = (connected.rss - idle.rss) / 1024 / (pairs * 2);
  return rig;
}

function closeRig(rig: Rig): void {
  for (const w of rig.workers) w.kill();
  // Disconnecting lets the server exit by itself (and write a --cpu-prof profile).
  if (rig.server.connected) rig.server.disconnect();
  setTimeout(() => rig.server.kill('SIGKILL'), 5000).unref();
}

/**
 * Waits until the server no longer works off what the last turn left (a flood leaves frames in
 * its sockets and replies in its queues), so that the next turn measures only its own load.
 */
async function settle(rig: Rig): Promise<number> {
  const t0 = performance.now();
  let last = await serverStats(rig.server, false);
  while (performance.now() - t0 < SETTLE_DEADLINE_MS) {
    await new Promise((r) => setTimeout(r, SETTLE_WINDOW_MS));
    const now = await serverStats(rig.server, false);
    const busyPct = (now.cpuUs - last.cpuUs) / 10 / SETTLE_WINDOW_MS;
    last = now;
    if (busyPct < QUIET_CPU_PCT) return performance.now() - t0;
  }
  throw new Error(`${rig.kind} still busy ${SETTLE_DEADLINE_MS / 1000} s after a turn`);
}

/** Runs one slice of a phase on one server and adds it to `totals`. */
async function runSlice(rig: Rig, mode: Mode, seconds: number, totals: PhaseTotals): Promise<void> {
  totals.settleMs += await settle(rig);
  const before = await serverStats(rig.server, false);
  const t = performance.now();
  const cmd: WorkerCommand = { cmd: 'phase', mode, seconds, warmupS: WARMUP_S, ratePerPair: RATE, window: WINDOW };
  for (const w of rig.workers) w.send(cmd);
  const reports = await Promise.all(rig.workers.map((w) => nextReport<Extract<WorkerReport, { report: 'result' }>>(w, ['result'])));
  const after = await serverStats(rig.server, false);
  totals.wall += (performance.now() - t) / 1000;
  totals.seconds += seconds;
  totals.cpuMs += (after.cpuUs - before.cpuUs) / 1000;
  reports.forEach((r, i) => {
    const flooder = rig.ranges[i]!.flooder;
    if (mode === 'flood' && flooder) {
      totals.floodersClosed += r.closedByServer;
      return;
    }
    totals.all.merge(r.hist);
    if (!flooder) totals.honest.merge(r.hist);
    totals.received += r.received;
    totals.sent += r.sent;
    totals.closedByServer += r.closedByServer;
  });
  totals.rateLimited = reports.reduce((s, r) => s + r.rateLimited, 0);
}

/**
 * Runs a phase on several servers in turns of BENCH_SLICE_SECONDS, so that whatever else the
 * machine does at the time weighs on all of them alike.
 */
async function interleave(turns: Array<{ rig: Rig; mode: Mode }>, seconds: number): Promise<PhaseTotals[]> {
  const totals = turns.map(() => new PhaseTotals());
  for (let done = 0; done < seconds; done += SLICE_S) {
    const slice = Math.min(SLICE_S, seconds - done);
    for (const [i, turn] of turns.entries()) await runSlice(turn.rig, turn.mode, slice, totals[i]!);
  }
  turns.forEach((turn, i) => {
    const r = totals[i]!.result();
    const flood = turn.mode === 'flood' ? ` (${totals[i]!.floodersClosed} flooding sockets closed, ${r.rateLimited} RATE_LIMITED)` : '';
    const settled = `settled ${round(totals[i]!.settleMs / 1000, 1)} s before its turns`;
    console.error(`  ${turn.rig.kind} ${turn.mode}: ${Math.round(r.msgsPerS)} msg/s, p99 ${round(r.p99, 2)} ms${flood}; ${settled}`);
  });
  return totals;
}

function row(cells: Array<string | number>): string {
  return cells.map((c, i) => String(c).padStart(i === 0 ? 22 : 12)).join(' ');
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`bench:signal — ${CLIENTS} clients in ${Math.floor(CLIENTS / 2)} pairs, ${WORKERS} load workers (+1 for flooders); fixed ${RATE} msg/s per pair for ${SECONDS} s, saturate window ${WINDOW} for ${SAT_SECONDS} s, flood ${FLOODERS} clients for ${FLOOD_SECONDS} s`);
  console.log(`Lectern limits in this run: ${JSON.stringify(LECTERN_BENCH_LIMITS)}`);
  // BENCH_SERVERS=lectern runs one server alone (to profile it); the comparison needs all three.
  const kinds = SERVER_KINDS.filter((k) => (process.env.BENCH_SERVERS ?? SERVER_KINDS.join(',')).split(',').includes(k));
  const rigs: Rig[] = [];
  const results: Partial<Record<ServerKind, ServerResult>> = {};
  try {
    for (const kind of kinds) {
      console.error(`${kind}: opening ${CLIENTS} connections…`);
      const rig = await openRig(kind);
      rigs.push(rig);
      results[kind] = { kind, setupS: rig.setupS, rssPerConnKb: rig.rssPerConnKb, phases: {} };
    }
    for (const [mode, seconds] of [['fixed', SECONDS], ['saturate', SAT_SECONDS]] as const) {
      if (!PHASES.includes(mode)) continue;
      const totals = await interleave(rigs.map((rig) => ({ rig, mode })), seconds);
      rigs.forEach((rig, i) => (results[rig.kind]!.phases[mode] = totals[i]!.result()));
    }
    const lectern = rigs.find((r) => r.kind === 'lectern');
    if (lectern && lectern.ranges.some((r) => r.flooder) && PHASES.includes('flood')) {
      // The flood in turns with the same honest load without it: "without" is measured beside "with".
      const [calm, flood] = await interleave([{ rig: lectern, mode: 'fixed' }, { rig: lectern, mode: 'flood' }], FLOOD_SECONDS);
      results.lectern!.phases.flood = { ...flood!.result(), closedByServer: flood!.floodersClosed, honestP99: calm!.result().honestP99 };
    }
  } finally {
    for (const rig of rigs) closeRig(rig);
  }
  console.log(row(['server / phase', 'msg/s', 'p50 ms', 'p99 ms', 'lost', 'server CPU%', 'CPU ms/1k', 'RSS KB/conn']));
  for (const kind of kinds) {
    const r = results[kind]!;
    for (const [mode, p] of Object.entries(r.phases)) {
      console.log(row([`${kind} ${mode}`, Math.round(p.msgsPerS), round(p.p50, 2), round(p.p99, 2), p.lost, round(p.cpuPct), round(p.cpuMsPerK, 1), round(r.rssPerConnKb, 1)]));
    }
  }
  // Every server and load worker wants a core; on a machine already busier than its cores, every
  // figure above measures the machine (latencies of seconds at 1 msg/s, saturation far below normal).
  const load = { start: round(loadAtStart, 1), end: round(loadavg()[0]!, 1), cores: availableParallelism() };
  const overloaded = Math.max(load.start, load.end) > load.cores;
  console.log(`machine load average (1 min): ${load.start} at the start, ${load.end} at the end, on ${load.cores} cores${overloaded ? ' — OVERLOADED: these figures measure the machine more than the servers' : ''}`);
  const lec = results.lectern;
  const peer = results.peerjs;
  const bare = results.bare;
  if (!lec || !peer || !bare || !PHASES.includes('fixed') || !PHASES.includes('saturate')) return;
  const flood = lec.phases.flood;
  if (flood) console.log(`flood: ${flood.rateLimited} RATE_LIMITED errors seen by flooders, ${flood.closedByServer} flooding sockets closed within their turn (a close can land after it); honest p99 ${round(flood.p99, 2)} ms with the flood vs ${round(flood.honestP99, 2)} ms without (in turns)`);
  const honestLimited = (lec.phases.fixed?.rateLimited ?? 0) + (lec.phases.saturate?.rateLimited ?? 0);
  console.log(`honest clients rate-limited by Lectern: ${honestLimited}; closed by the server: ${(lec.phases.fixed?.closedByServer ?? 0) + (lec.phases.saturate?.closedByServer ?? 0)}`);
  const value = lec.phases.saturate!.msgsPerS;
  const baseline = peer.phases.saturate!.msgsPerS;
  const targets = {
    throughputVsPeerjs: value >= 2 * baseline,
    p99VsPeerjs: lec.phases.fixed!.p99 <= peer.phases.fixed!.p99,
    rssVsBare: lec.rssPerConnKb <= 1.5 * bare.rssPerConnKb,
    throughputVsBare: value >= 0.7 * bare.phases.saturate!.msgsPerS,
    floodP99: flood ? flood.p99 <= 2 * flood.honestP99 : null,
  };
  console.log(`targets: ${Object.entries(targets).map(([k, v]) => `${k} ${v === null ? 'not run' : v ? 'met' : 'NOT met'}`).join(', ')}`);
  console.log(
    JSON.stringify({
      bench: 'signal',
      value: round(value, 0),
      baseline: round(baseline, 0),
      ratio: round(value / baseline, 2),
      unit: 'msg/s',
      target: 'ratio>=2',
      clients: CLIENTS,
      bare_msgs_per_s: round(bare.phases.saturate!.msgsPerS, 0),
      ratio_vs_bare: round(value / bare.phases.saturate!.msgsPerS, 2),
      fixed_msgs_per_s: round(lec.phases.fixed!.msgsPerS, 0),
      p50_ms: round(lec.phases.fixed!.p50, 2),
      p99_ms: round(lec.phases.fixed!.p99, 2),
      peerjs_p99_ms: round(peer.phases.fixed!.p99, 2),
      bare_p99_ms: round(bare.phases.fixed!.p99, 2),
      rss_kb_per_conn: round(lec.rssPerConnKb, 1),
      peerjs_rss_kb_per_conn: round(peer.rssPerConnKb, 1),
      bare_rss_kb_per_conn: round(bare.rssPerConnKb, 1),
      cpu_ms_per_1k: round(lec.phases.saturate!.cpuMsPerK, 1),
      peerjs_cpu_ms_per_1k: round(peer.phases.saturate!.cpuMsPerK, 1),
      bare_cpu_ms_per_1k: round(bare.phases.saturate!.cpuMsPerK, 1),
      flood_honest_p99_ms: flood ? round(flood.p99, 2) : null,
      no_flood_honest_p99_ms: flood ? round(flood.honestP99, 2) : null,
      targets,
      load_avg_start: load.start,
      load_avg_end: load.end,
      cores: load.cores,
    }),
  );
}

runBenchmark(main);
