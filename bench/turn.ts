/**
 * TURN relay benchmark: Lectern's built-in relay next to coturn's turnserver (Debian), both
 * started here on loopback with the same REST API secret, under the same load from coturn's
 * turnutils_uclient (default 20 clients × 5000 messages of 170 bytes, 5 ms apart: audio-sized packets at 4x audio's rate)
 * relaying to turnutils_peer. A probe measures round trips through each relay meanwhile.
 * Prints a table, then one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort as freePort, runCommand, spawnServer, uclientSummary, waitFor } from '@lectern/testing';
import { mintCredential } from '@lectern/server';
import { probeRtt } from './turn-probe.js';

const CLIENTS = Number(process.env.BENCH_TURN_CLIENTS ?? 20);
const MESSAGES = Number(process.env.BENCH_TURN_MESSAGES ?? 5000);
const BYTES = 170;
const INTERVAL_MS = Number(process.env.BENCH_TURN_INTERVAL_MS ?? 5);
const PROBES = Number(process.env.BENCH_TURN_PROBES ?? 300);
const SECRET = 'bench-turn-secret';
const REALM = 'lectern';

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Result {
  name: string;
  pps: number;
  sent: number;
  received: number;
  lossPct: number;
  rttP50: number;
  rttP99: number;
  cpuPct: number;
}

async function measure(name: string, port: number, pid: number, peerPort: number): Promise<Result> {
  const cred = mintCredential(SECRET, `bench-${name}`, 3600);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const [{ out }, probe] = await Promise.all([
    runCommand('/usr/bin/turnutils_uclient', ['-u', cred.username, '-w', cred.credential, '-e', '127.0.0.1', '-r', String(peerPort), '-p', String(port),
      '-m', String(CLIENTS), '-n', String(MESSAGES), '-l', String(BYTES), '-z', String(INTERVAL_MS), '-c', '127.0.0.1'], 600_000),
    probeRtt(port, SECRET, REALM, peerPort, PROBES, BYTES),
  ]);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const totals = uclientSummary(out);
  if (!totals) throw new Error(`${name}: no uclient summary:\n${out.slice(-1500)}`);
  const { sent, received } = totals;
  // Relayed packets per second: every message crosses the relay twice (out and echoed back),
  // over the wall time of the whole uclient run (uclient's own timer counts whole seconds).
  return {
    name,
    pps: (2 * received) / wall,
    sent,
    received,
    lossPct: sent ? (100 * (sent - received)) / sent : 100,
    // The first round trips warm up both sides (JIT, caches); they are left out for both servers.
    rttP50: percentile(probe.rttsMs.slice(10), 50),
    rttP99: percentile(probe.rttsMs.slice(10), 99),
    cpuPct: (100 * cpu) / wall,
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lectern-bench-turn-'));
  const children: ChildProcess[] = [];
  let lectern: Awaited<ReturnType<typeof spawnServer>> | null = null;
  try {
    const peerPort = await freePort();
    children.push(spawn('/usr/bin/turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' }));

    const lecternPort = await freePort();
    lectern = await spawnServer(['--http', '--host', '127.0.0.1', '--port', '0', '--data-dir', join(work, 'lectern'), '--log-level', 'info',
      '--turn-port', String(lecternPort), '--turn-secret', SECRET, '--turn-allow-peer', '127.0.0.0/8', '--turn-relay-ports', '40000-44999', '--turn-user-quota', '1000']);

    const coturnPort = await freePort();
    const coturn = spawn('/usr/bin/turnserver', ['-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${coturnPort}`,
      '--no-tls', '--no-dtls', '--use-auth-secret', `--static-auth-secret=${SECRET}`, `--realm=${REALM}`, '--allow-loopback-peers',
      '--min-port=45000', '--max-port=49999', '--no-cli', '--no-stdout-log', `--log-file=${join(work, 'coturn.log')}`,
      `--userdb=${join(work, 'turndb')}`, `--pidfile=${join(work, 'coturn.pid')}`], { stdio: 'ignore' });
    children.push(coturn);
    // A missing binary must fail the run through `finally` (which stops the others), not crash it.
    for (const c of children) c.on('error', (err) => console.error(`cannot start ${c.spawnfile}: ${err.message}`));
    await waitFor(async () => (await runCommand('/usr/bin/turnutils_stunclient', ['-p', String(coturnPort), '127.0.0.1'], 3000)).out.includes('reflexive'), { what: 'coturn to start', timeoutMs: 20_000 });

    // Alternate, so neither always runs on a warmer (or busier) machine.
    const ours = await measure('lectern', lecternPort, lectern.child.pid!, peerPort);
    const theirs = await measure('coturn', coturnPort, coturn.pid!, peerPort);

    const row = (r: Result) =>
      `${r.name.padEnd(8)} ${r.pps.toFixed(0).padStart(9)} ${`${r.received}/${r.sent}`.padStart(13)} ${r.lossPct.toFixed(2).padStart(7)}% ${r.rttP50.toFixed(3).padStart(9)} ${r.rttP99.toFixed(3).padStart(9)} ${r.cpuPct.toFixed(1).padStart(7)}%`;
    console.log(`\nTURN relay: ${CLIENTS} clients × ${MESSAGES} messages × ${BYTES} B (interval ${INTERVAL_MS} ms), probe ${PROBES} round trips\n`);
    console.log(`${'server'.padEnd(8)} ${'pkts/s'.padStart(9)} ${'recv/sent'.padStart(13)} ${'loss'.padStart(8)} ${'RTT p50'.padStart(9)} ${'RTT p99'.padStart(9)} ${'CPU'.padStart(8)}`);
    console.log(row(ours));
    console.log(row(theirs));
    const ratio = ours.pps / theirs.pps;
    console.log(`\nratio Lectern / coturn packets per second: ${ratio.toFixed(2)} (target ≥ 0.5 at 0 loss)\n`);
    console.log(
      JSON.stringify({
        bench: 'turn',
        value: Number(ours.pps.toFixed(1)),
        baseline: Number(theirs.pps.toFixed(1)),
        ratio: Number(ratio.toFixed(3)),
        unit: 'pkt/s',
        target: 'ratio>=0.5 and loss=0',
        loss: ours.lossPct,
        baselineLoss: theirs.lossPct,
        rttP50Ms: Number(ours.rttP50.toFixed(3)),
        rttP99Ms: Number(ours.rttP99.toFixed(3)),
        baselineRttP50Ms: Number(theirs.rttP50.toFixed(3)),
        baselineRttP99Ms: Number(theirs.rttP99.toFixed(3)),
        cpuPct: Number(ours.cpuPct.toFixed(1)),
        baselineCpuPct: Number(theirs.cpuPct.toFixed(1)),
      }),
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await lectern?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
