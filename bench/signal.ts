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
import { fileURLToPath } from 'node:url';
import { round, runBenchmark } from './report.js';
import { Histogram, LECTERN_BENCH_LIMITS, SERVER_KINDS, type ServerKind, type ServerReport, type WorkerCommand, type WorkerReport } from './signal-load.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const CLIENTS = env('BENCH_CLIENTS', 5000);
const SECONDS = env('BENCH_SECONDS', 60);
const SAT_SECONDS = env('BENCH_SAT_SECONDS', 15);
const FLOOD_SECONDS = env('BENCH_FLOOD_SECONDS', SECONDS);
const WARMUP_S = env('BENCH_WARMUP_SECONDS', 3);
const RATE = env('BENCH_RATE', 1);
const WINDOW = env('BENCH_WINDOW', 1);
const FLOODERS = env('BENCH_FLOODERS', Math.round(CLIENTS / 5));
const WORKERS = env('BENCH_WORKERS', 3);

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** A child that answers requests in order (one outstanding at a time per kind of answer). */
function nextReport<T extends { report: string }>(child: ChildProcess, kinds: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T): void => {
      if (m.report === 'failed') return done(new Error(`${(m as unknown as { error: string }).error}`));
      if (kinds.includes(m.report)) done(null, m);
    };
    const onExit = (code: number | null): void => done(new Error(`child exited (${code}) before answering`));
    function done(err: Error | null, m?: T): void {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

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
  phases: Partial<Record<'fixed' | 'saturate' | 'flood', PhaseResult>>;
}

async function serverStats(server: ChildProcess, gc: boolean): Promise<{ cpuUs: number; rss: number }> {
  const answer = nextReport<Extract<ServerReport, { report: 'stats' }>>(server, ['stats']);
  server.send({ cmd: 'stats', gc });
  return answer;
}

async function benchServer(kind: ServerKind): Promise<ServerResult> {
  const extraArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const server = fork(here('./signal-server.js'), [kind], { execArgv: ['--expose-gc', ...extraArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const workers: ChildProcess[] = [];
  try {
    const { port } = await nextReport<Extract<ServerReport, { report: 'ready' }>>(server, ['ready']);
    const idle = await serverStats(server, true);
    // Honest workers share the pairs that never flood; one more worker holds the flooders' pairs.
    const pairs = Math.floor(CLIENTS / 2);
    const floodPairs = Math.min(pairs - 1, Math.floor(FLOODERS / 2));
    const honestPairs = pairs - floodPairs;
    const ranges: Array<{ first: number; count: number; flooder: boolean }> = [];
    for (let w = 0, first = 0; w < WORKERS; w++) {
      const count = Math.floor(honestPairs / WORKERS) + (w < honestPairs % WORKERS ? 1 : 0);
      ranges.push({ first, count, flooder: false });
      first += count;
    }
    if (floodPairs > 0) ranges.push({ first: honestPairs, count: floodPairs, flooder: true });
    const t0 = performance.now();
    for (const r of ranges) {
      const worker = fork(here('./signal-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(worker);
      const setup: WorkerCommand = { cmd: 'setup', kind, port, firstPair: r.first, pairs: r.count, flooder: r.flooder };
      worker.send(setup);
    }
    await Promise.all(workers.map((w) => nextReport(w, ['ready'])));
    const setupS = (performance.now() - t0) / 1000;
    const connected = await serverStats(server, true);
    const result: ServerResult = { kind, setupS, rssPerConnKb: (connected.rss - idle.rss) / 1024 / (pairs * 2), phases: {} };
    const modes: Array<'fixed' | 'saturate' | 'flood'> = kind === 'lectern' && floodPairs > 0 ? ['fixed', 'saturate', 'flood'] : ['fixed', 'saturate'];
    for (const mode of modes) {
      const seconds = mode === 'fixed' ? SECONDS : mode === 'saturate' ? SAT_SECONDS : FLOOD_SECONDS;
      const before = await serverStats(server, false);
      const t = performance.now();
      const cmd: WorkerCommand = { cmd: 'phase', mode, seconds, warmupS: WARMUP_S, ratePerPair: RATE, window: WINDOW };
      for (const w of workers) w.send(cmd);
      const reports = await Promise.all(workers.map((w) => nextReport<Extract<WorkerReport, { report: 'result' }>>(w, ['result'])));
      const after = await serverStats(server, false);
      const wall = (performance.now() - t) / 1000;
      const all = new Histogram();
      const honest = new Histogram();
      let received = 0;
      let sent = 0;
      reports.forEach((r, i) => {
        const flooding = mode === 'flood' && ranges[i]!.flooder;
        if (!flooding) {
          all.merge(r.hist);
          received += r.received;
          sent += r.sent;
        }
        if (!ranges[i]!.flooder) honest.merge(r.hist);
      });
      const cpuMs = (after.cpuUs - before.cpuUs) / 1000;
      result.phases[mode] = {
        msgsPerS: received / seconds,
        p50: all.percentile(50),
        p99: all.percentile(99),
        lost: sent - received,
        cpuPct: (cpuMs / 10 / wall),
        cpuMsPerK: (cpuMs / (received / seconds * wall)) * 1000,
        closedByServer: reports.reduce((s, r, i) => s + (ranges[i]!.flooder && mode === 'flood' ? 0 : r.closedByServer), 0),
        rateLimited: reports.reduce((s, r) => s + r.rateLimited, 0),
        honestP99: honest.percentile(99),
      };
      if (mode === 'flood') result.phases.flood!.closedByServer = reports.reduce((s, r, i) => s + (ranges[i]!.flooder ? r.closedByServer : 0), 0);
      console.error(`  ${kind} ${mode}: ${Math.round(received / seconds)} msg/s, p99 ${round(all.percentile(99), 2)} ms`);
    }
    return result;
  } finally {
    for (const w of workers) w.kill();
    // Disconnecting lets the server exit by itself (and write a --cpu-prof profile).
    if (server.connected) server.disconnect();
    setTimeout(() => server.kill('SIGKILL'), 5000).unref();
  }
}

function row(cells: Array<string | number>): string {
  return cells.map((c, i) => String(c).padStart(i === 0 ? 22 : 12)).join(' ');
}

async function main(): Promise<void> {
  console.log(`bench:signal — ${CLIENTS} clients in ${Math.floor(CLIENTS / 2)} pairs, ${WORKERS} load workers (+1 for flooders); fixed ${RATE} msg/s per pair for ${SECONDS} s, saturate window ${WINDOW} for ${SAT_SECONDS} s, flood ${FLOODERS} clients for ${FLOOD_SECONDS} s`);
  console.log(`Lectern limits in this run: ${JSON.stringify(LECTERN_BENCH_LIMITS)}`);
  const results: Partial<Record<ServerKind, ServerResult>> = {};
  // BENCH_SERVERS=lectern runs one server alone (to profile it); the comparison needs all three.
  const kinds = SERVER_KINDS.filter((k) => (process.env.BENCH_SERVERS ?? SERVER_KINDS.join(',')).split(',').includes(k));
  for (const kind of kinds) {
    console.error(`${kind}: opening ${CLIENTS} connections…`);
    results[kind] = await benchServer(kind);
  }
  console.log(row(['server / phase', 'msg/s', 'p50 ms', 'p99 ms', 'lost', 'server CPU%', 'CPU ms/1k', 'RSS KB/conn']));
  for (const kind of kinds) {
    const r = results[kind]!;
    for (const [mode, p] of Object.entries(r.phases)) {
      console.log(row([`${kind} ${mode}`, Math.round(p.msgsPerS), round(p.p50, 2), round(p.p99, 2), p.lost, round(p.cpuPct), round(p.cpuMsPerK, 1), round(r.rssPerConnKb, 1)]));
    }
  }
  const lec = results.lectern;
  const peer = results.peerjs;
  const bare = results.bare;
  if (!lec || !peer || !bare) return;
  const flood = lec.phases.flood;
  if (flood) console.log(`flood: ${flood.closedByServer} flooding sockets closed by Lectern (${flood.rateLimited} RATE_LIMITED errors seen); honest p99 ${round(flood.p99, 2)} ms with the flood vs ${round(lec.phases.fixed!.honestP99, 2)} ms without`);
  const honestLimited = (lec.phases.fixed?.rateLimited ?? 0) + (lec.phases.saturate?.rateLimited ?? 0);
  console.log(`honest clients rate-limited by Lectern: ${honestLimited}; closed by the server: ${(lec.phases.fixed?.closedByServer ?? 0) + (lec.phases.saturate?.closedByServer ?? 0)}`);
  const value = lec.phases.saturate!.msgsPerS;
  const baseline = peer.phases.saturate!.msgsPerS;
  const targets = {
    throughputVsPeerjs: value >= 2 * baseline,
    p99VsPeerjs: lec.phases.fixed!.p99 <= peer.phases.fixed!.p99,
    rssVsBare: lec.rssPerConnKb <= 1.5 * bare.rssPerConnKb,
    throughputVsBare: value >= 0.7 * bare.phases.saturate!.msgsPerS,
    floodP99: flood ? flood.p99 <= 2 * lec.phases.fixed!.honestP99 : null,
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
      no_flood_honest_p99_ms: round(lec.phases.fixed!.honestP99, 2),
      targets,
    }),
  );
}

runBenchmark(main);
