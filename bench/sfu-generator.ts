/**
 * bench:sfu load generator process: runs synthetic participants (publishers and subscribers,
 * see sfu-participant.ts) for the parent, sends their media from one clock, and reports what
 * its subscribers received. Several run beside the server, each in its own process.
 */
import { SyntheticParticipant, type ParticipantSpec } from './sfu-participant.js';
import { mergeSnapshots, type StatsSnapshot } from './sfu-stats.js';
import { monotonicNs } from './sfu-rtp.js';
import { DirectPath } from './sfu-direct.js';

/** Parent → generator. */
export type GeneratorCommand =
  | { cmd: 'join'; url: string; participants: ParticipantSpec[] }
  | { cmd: 'status' }
  | { cmd: 'reset' }
  | { cmd: 'collect' }
  | { cmd: 'leave' };

/** Generator → parent. */
export type GeneratorReport =
  | { report: 'joined'; count: number }
  | { report: 'status'; liveVideoStreams: number }
  | { report: 'reset' }
  | { report: 'collected'; stats: StatsSnapshot; reference: StatsSnapshot; clockLateMs: number; restarts: number }
  | { report: 'left' }
  | { report: 'failed'; error: string };

/** Joins at once at most this many participants (each opens a socket and two connections). */
const JOIN_PARALLEL = 6;
/** The send clock's period: audio is due every 20 ms, video frames every 33–67 ms. */
const TICK_MS = 5;

const participants: SyntheticParticipant[] = [];
/** The same video stream sent without the SFU, beside the load: the delay the machine alone adds. */
const reference = new DirectPath(500_000, 15);
/** How late the send clock ran, worst case since the last reset: a saturated generator shows here. */
let clockLateMs = 0;
let lastTick = performance.now();

const clock = setInterval(() => {
  const now = performance.now();
  clockLateMs = Math.max(clockLateMs, now - lastTick - TICK_MS);
  lastTick = now;
  reference.tick(now);
  for (const p of participants) p.tick(now);
}, TICK_MS);

const reply = (r: GeneratorReport): void => void process.send?.(r);

async function joinAll(url: string, specs: ParticipantSpec[]): Promise<void> {
  const queue = [...specs];
  const lane = async (): Promise<void> => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const p = new SyntheticParticipant(url, spec);
      participants.push(p);
      await p.join();
    }
  };
  await Promise.all(Array.from({ length: JOIN_PARALLEL }, lane));
}

async function handle(m: GeneratorCommand): Promise<void> {
  switch (m.cmd) {
    case 'join':
      await joinAll(m.url, m.participants);
      return reply({ report: 'joined', count: participants.length });
    case 'status': {
      const now = monotonicNs();
      return reply({ report: 'status', liveVideoStreams: participants.reduce((n, p) => n + p.stats.liveVideoStreams(now, 1000), 0) });
    }
    case 'reset':
      for (const p of participants) p.stats.reset();
      reference.stats.reset();
      clockLateMs = 0;
      return reply({ report: 'reset' });
    case 'collect': {
      const { audio, video } = mergeSnapshots(participants.map((p) => p.stats.snapshot()));
      return reply({ report: 'collected', stats: { audio, video }, reference: reference.stats.snapshot(), clockLateMs, restarts: participants.reduce((n, p) => n + p.restarts, 0) });
    }
    case 'leave':
      for (const p of participants.splice(0)) p.close();
      return reply({ report: 'left' });
  }
}

process.on('message', (m: GeneratorCommand) => {
  handle(m).catch((err: unknown) => reply({ report: 'failed', error: err instanceof Error ? err.message : String(err) }));
});
process.on('disconnect', () => {
  clearInterval(clock);
  reference.close();
  for (const p of participants) p.close();
  process.exit(0);
});
