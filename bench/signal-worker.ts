/**
 * bench:signal load worker (a child process, so the load never shares the server's event
 * loop): opens its pairs, then runs the phases the parent asks for and reports latencies.
 *  - fixed: each pair sends the EXCHANGE round at `ratePerPair` messages per second;
 *  - saturate: each pair keeps `window` messages bouncing back and forth as fast as it can;
 *  - flood (flooder workers only): every socket sends far over any rate limit, and reconnects
 *    when the server closes it. Honest workers run `fixed` meanwhile.
 */
import WebSocket from 'ws';
import { PROTOCOLS, open, type Side } from './signal-clients.js';
import { EXCHANGE, Histogram, candidate, sdp, sentAt, type WorkerCommand, type WorkerReport } from './signal-load.js';

interface Pair {
  sides: [Side, Side];
  /** Next step of EXCHANGE this pair sends (fixed) or bounces (saturate). */
  step: number;
  nextAt: number;
}

const SETUP_CONCURRENCY = 25;
/** A closed flooder comes back after this long (a misbehaving client's reconnect loop). */
const FLOOD_RECONNECT_MS = Number(process.env.BENCH_FLOOD_RECONNECT_MS ?? 1000);
const report = (r: WorkerReport): void => void process.send?.(r);

let setup: Extract<WorkerCommand, { cmd: 'setup' }>;
const pairs: Pair[] = [];
let phase: { mode: 'fixed' | 'saturate' | 'flood'; from: number; to: number; hist: Histogram; received: number; sent: number; stopped: boolean } | null = null;
let closedByServer = 0;
let rateLimited = 0;
/** Set while this worker closes its own flooding sockets (those closes are not the server's). */
let stoppingFlood = false;
const countClose = (): void => {
  if (!stoppingFlood) closedByServer++;
};

function send(pair: Pair, step: number): void {
  const { from, kind } = EXCHANGE[step % EXCHANGE.length]!;
  const t = performance.now();
  const payload = kind === 'candidate' ? candidate(t) : sdp(t, kind);
  const sender = pair.sides[from]!;
  const receiver = pair.sides[1 - from]!;
  if (sender.ws.readyState !== WebSocket.OPEN) return;
  sender.ws.send(PROTOCOLS[setup.kind].encode(kind, receiver.id, payload));
  if (phase && t >= phase.from && t < phase.to) phase.sent++;
}

function onMessage(pair: Pair, data: WebSocket.RawData): void {
  const now = performance.now();
  const m = JSON.parse(String(data)) as Record<string, unknown>;
  if (m.type === 'error' && m.code === 'RATE_LIMITED') rateLimited++;
  const payload = PROTOCOLS[setup.kind].payload(m);
  if (payload === null || !phase) return;
  const t = sentAt(payload);
  if (t >= phase.from && t < phase.to) {
    phase.hist.add(now - t);
    phase.received++;
  }
  if (phase.mode === 'saturate' && !phase.stopped) send(pair, ++pair.step);
}

async function openPairs(): Promise<void> {
  const protocol = PROTOCOLS[setup.kind];
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < setup.pairs) {
      const n = setup.firstPair + next++;
      const pair: Pair = { sides: await protocol.pair(setup.port, n), step: 0, nextAt: 0 };
      for (const side of pair.sides) {
        side.ws.on('message', (data) => onMessage(pair, data));
        side.ws.on('close', countClose);
      }
      pairs.push(pair);
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, one));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runFixed(ratePerPair: number, until: number): Promise<void> {
  const interval = 1000 / ratePerPair;
  const start = performance.now();
  pairs.forEach((p, i) => (p.nextAt = start + (interval * i) / pairs.length));
  while (performance.now() < until) {
    const now = performance.now();
    for (const p of pairs) {
      // At most a few to catch up after a stall: a fixed rate, not a burst.
      for (let k = 0; k < 3 && p.nextAt <= now; k++, p.nextAt += interval) send(p, p.step++);
      if (p.nextAt <= now) p.nextAt = now + interval;
    }
    await sleep(2);
  }
}

function runSaturate(window: number): void {
  for (const p of pairs) for (let k = 0; k < window; k++) send(p, (p.step += 2));
}

/** The flooders' sockets: first the pairs' own, then whatever they reconnected with. */
let flooders: WebSocket[] | null = null;
let floodUntil = 0;

/** Reconnects flooder `i` (after a pause) while its flood slice lasts; a hello, then it floods again. */
async function reopenFlooder(i: number): Promise<void> {
  await sleep(FLOOD_RECONNECT_MS);
  while (performance.now() < floodUntil) {
    try {
      const ws = await open(`ws://127.0.0.1:${setup.port}/ws`);
      if (performance.now() >= floodUntil) {
        ws.terminate(); // opened after its turn: the flood is over
        return;
      }
      ws.send('{"type":"hello","v":1}');
      ws.on('message', (data) => {
        if (String(data).includes('RATE_LIMITED')) rateLimited++;
      });
      ws.on('close', () => {
        countClose();
        void reopenFlooder(i);
      });
      flooders![i] = ws;
      return;
    } catch {
      await sleep(100);
    }
  }
}

/** Every socket floods: small valid messages as fast as the socket takes them; a closed one reconnects. */
async function runFlood(until: number): Promise<void> {
  floodUntil = until;
  if (!flooders) {
    flooders = pairs.flatMap((p) => p.sides.map((s) => s.ws));
    flooders.forEach((ws, i) => ws.on('close', () => void reopenFlooder(i)));
  }
  flooders.forEach((ws, i) => {
    if (ws.readyState === WebSocket.CLOSED) void reopenFlooder(i);
  });
  const junk = ['{"type":"ping","t":1}', '{"type":"nope"}', 'not json', PROTOCOLS[setup.kind].encode('candidate', pairs[0]!.sides[1].id, candidate(0))];
  let n = 0;
  while (performance.now() < until) {
    let sent = false;
    for (const ws of flooders) {
      if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > 64 * 1024) continue;
      for (let k = 0; k < 20; k++) ws.send(junk[n++ % junk.length]!);
      sent = true;
    }
    // Nothing open or nothing writable (closed, refused, or the kernel is full): wait a moment
    // rather than spin. A flooder's own CPU is on its own machine; spinning here would take a
    // core from the server and the honest clients on this one, and bill that to the server.
    await new Promise((r) => (sent ? setImmediate(r) : setTimeout(r, 5)));
  }
  await stopFlooding();
}

/**
 * The flood ends: the flooders go away (their unsent frames with them), as a real flooder
 * whose script stops would. The next turn then measures the server without them.
 */
async function stopFlooding(): Promise<void> {
  stoppingFlood = true;
  for (const ws of flooders ?? []) ws.terminate();
  const deadline = performance.now() + 10_000;
  while ((flooders ?? []).some((ws) => ws.readyState !== WebSocket.CLOSED) && performance.now() < deadline) await sleep(20);
  stoppingFlood = false;
}

async function runPhase(cmd: Extract<WorkerCommand, { cmd: 'phase' }>): Promise<void> {
  const start = performance.now();
  const from = start + cmd.warmupS * 1000;
  const to = from + cmd.seconds * 1000;
  const mode = cmd.mode === 'flood' && !setup.flooder ? 'fixed' : cmd.mode;
  phase = { mode, from, to, hist: new Histogram(), received: 0, sent: 0, stopped: false };
  const closedBefore = closedByServer;
  if (mode === 'fixed') await runFixed(cmd.ratePerPair, to);
  else if (mode === 'flood') await runFlood(to);
  else {
    runSaturate(cmd.window);
    await sleep(to - performance.now());
  }
  phase.stopped = true;
  // Let what was sent in the window arrive (or give up after 5 s: those count as lost).
  const drainUntil = performance.now() + 5000;
  while (mode !== 'flood' && phase.received < phase.sent && performance.now() < drainUntil) await sleep(20);
  const { hist, received, sent } = phase;
  phase = null;
  report({ report: 'result', hist, received, sent, closedByServer: closedByServer - closedBefore, rateLimited, seconds: cmd.seconds });
}

process.on('message', (cmd: WorkerCommand) => {
  const run = async (): Promise<void> => {
    switch (cmd.cmd) {
      case 'setup': {
        setup = cmd;
        const t0 = performance.now();
        await openPairs();
        report({ report: 'ready', setupMs: performance.now() - t0 });
        return;
      }
      case 'phase':
        return runPhase(cmd);
      case 'exit':
        for (const p of pairs) for (const s of p.sides) s.ws.terminate();
        process.exit(0);
    }
  };
  run().catch((err: unknown) => report({ report: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
process.on('disconnect', () => process.exit(0));
