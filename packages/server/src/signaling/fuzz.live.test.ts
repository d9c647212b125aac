/**
 * Fuzz test against a live server over real WebSockets: at least 100,000 structure-aware bad
 * frames (see fuzz-frames.test.ts) from several sockets joined to one session, while two
 * well-behaved members of that session keep signaling each other. Reproducible: the seed is
 * fixed unless LECTERN_FUZZ_SEED sets another, and printed; LECTERN_FUZZ_RUNS scales it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import WebSocket from 'ws';
import { ErrorCodes, MAX_MESSAGE_BYTES, decodeServerMessage } from '@lectern/protocol';
import { messageBurstFor } from '../config.js';
import { Live, TestClient, within } from '../live-support.test.js';
import { fuzzFrames, type FuzzFrame, type FuzzTargets } from './fuzz-frames.test.js';

const SEED = Number(process.env.LECTERN_FUZZ_SEED ?? 61_120);
const RUNS = Number(process.env.LECTERN_FUZZ_RUNS ?? 500);
const BATCH = 200;
const SOCKETS = 4;
/** How a fuzzing socket may be closed: oversized (1009), invalid UTF-8 (1007), policy (1008: wrong version). */
const EXPECTED_CLOSES = new Set([1007, 1008, 1009]);

/** A fuzzing socket: sends raw frames, and checks every frame the server sends back. */
class FuzzSocket {
  closeCode: number | null = null;
  #pongs = new Map<number, () => void>();
  #closeWaiters: Array<() => void> = [];
  static #seq = 0;

  private constructor(
    readonly ws: WebSocket,
    private readonly problems: string[],
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void problems.push('server sent a binary frame');
      const decoded = decodeServerMessage((data as Buffer).toString('utf8'));
      if (!decoded.ok) return void problems.push(`server sent an invalid frame: ${decoded.message}`);
      const m = decoded.message;
      if (m.type === 'error' && m.code === ErrorCodes.INTERNAL) problems.push(`INTERNAL error for ${m.ref ?? '?'}: ${m.message}`);
      if (m.type === 'pong') this.#pongs.get(m.t)?.();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      if (!EXPECTED_CLOSES.has(code)) problems.push(`fuzzing socket closed with unexpected code ${code}`);
      for (const w of this.#closeWaiters.splice(0)) w();
    });
    ws.on('error', () => {});
  }

  /** Connects, says hello and joins `code`, so the frames reach the session's handlers. */
  static async open(live: Live, code: string, problems: string[]): Promise<FuzzSocket> {
    const client = await live.client();
    await client.hello();
    client.join(code, 'Fuzzer');
    await client.nextMatching((m) => m.type === 'joined' || m.type === 'join-error', 'join answer');
    client.ws.removeAllListeners('message');
    client.ws.removeAllListeners('close');
    return new FuzzSocket(client.ws, problems);
  }

  send(frame: FuzzFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (frame.kind === 'text') this.ws.send(frame.data);
    else this.ws.send(Buffer.from(frame.data), { binary: frame.kind === 'binary' });
  }

  /** Resolves true once the server has handled everything sent so far; false if it closed. */
  async settled(): Promise<boolean> {
    if (this.closeCode !== null) return false;
    const t = -1e12 - ++FuzzSocket.#seq;
    const answered = new Promise<boolean>((resolve) => {
      this.#pongs.set(t, () => resolve(true));
      this.#closeWaiters.push(() => resolve(false));
    });
    this.ws.send(JSON.stringify({ type: 'ping', t }));
    const ok = await within(answered, 'fuzzing socket to settle', 15_000);
    this.#pongs.delete(t);
    return ok;
  }
}

/** Records uncaught exceptions and unhandled rejections anywhere in this process (the server runs here). */
function watchProcess(problems: string[]): () => void {
  const onError = (err: unknown): void => void problems.push(`uncaught: ${err instanceof Error ? err.stack : String(err)}`);
  const onRejection = (err: unknown): void => void problems.push(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}`);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onRejection);
  };
}

/** One signal each way between the two good members; both must arrive, stamped with the true sender. */
async function probe(a: TestClient, b: TestClient, n: number): Promise<void> {
  const sdp = `v=0\r\no=- probe ${n} 2 IN IP4 127.0.0.1\r\n`;
  a.send({ type: 'offer', to: b.participantId, sdp });
  b.send({ type: 'answer', to: a.participantId, sdp });
  await b.next('offer', (m) => m.sdp === sdp && m.from === a.participantId, 10_000);
  await a.next('answer', (m) => m.sdp === sdp && m.from === b.participantId, 10_000);
}

describe('fuzz: a live server under malformed traffic', () => {
  test(`${RUNS * BATCH} structure-aware bad frames: no crash, no rejection, every reply valid, the session still signals`, async (t) => {
    const problems: string[] = [];
    const unwatch = watchProcess(problems);
    // The fuzzers flood on purpose: the rate limit would close them before they reach the handlers.
    const live = await Live.start({ messageRate: 1_000_000, messageBurst: 1_000_000, maxParticipants: 50, maxRooms: 1_000_000 });
    t.diagnostic(`fuzz seed ${SEED} (set LECTERN_FUZZ_SEED to change, LECTERN_FUZZ_RUNS=${RUNS} runs of ${BATCH})`);
    console.log(`fuzz seed: ${SEED}`);
    try {
      const { code, clients } = await live.session(['Good A', 'Good B']);
      const [a, b] = clients as [TestClient, TestClient];
      const targets: FuzzTargets = { code, participantIds: [b.participantId, a.participantId] };
      const fuzzers = await Promise.all(Array.from({ length: SOCKETS }, () => FuzzSocket.open(live, code, problems)));
      let sent = 0;
      let reopened = 0;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fuzzFrames(targets), { minLength: BATCH, maxLength: BATCH }), async (frames) => {
          frames.forEach((f, i) => fuzzers[i % SOCKETS]!.send(f));
          sent += frames.length;
          for (let i = 0; i < SOCKETS; i++) {
            if (await fuzzers[i]!.settled()) continue;
            fuzzers[i] = await FuzzSocket.open(live, code, problems);
            reopened++;
          }
          await probe(a, b, ++run);
          assert.deepEqual(problems, []);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      t.diagnostic(`${sent} frames sent, ${reopened} fuzzing sockets closed by the server and reopened`);
      assert.ok(sent >= RUNS * BATCH);
      // Nobody spoke as A: every offer B got "from A" is one of A's probes.
      const forged = b.log.filter((m) => m.type === 'offer' && m.from === a.participantId && !m.sdp.includes(' probe '));
      assert.deepEqual(forged, []);
      assert.deepEqual([a.invalid, b.invalid], [[], []]);
      const health = (await (await fetch(`${live.httpUrl}/healthz`)).json()) as { status: string };
      assert.equal(health.status, 'ok');
      assert.deepEqual(problems, []);
    } finally {
      await live.stop();
      unwatch();
    }
  });

  test('with the default rate limit, a socket flooding fuzz frames gets RATE_LIMITED and 1008; the session is untouched', async () => {
    const live = await Live.start();
    try {
      const { code, clients } = await live.session(['Good A', 'Good B']);
      const [a, b] = clients as [TestClient, TestClient];
      const flooder = await live.ready();
      await flooder.joined(code, 'Flooder');
      // Frames that would end the connection for another reason first are left out.
      const frames = fc
        .sample(fuzzFrames({ code, participantIds: [a.participantId] }), { seed: SEED, numRuns: 3000 })
        .filter((f) => f.kind !== 'bad-utf8' && f.data.length < MAX_MESSAGE_BYTES && !(f.kind === 'text' && f.data.includes('"hello"')))
        .slice(0, messageBurstFor(live.config) * 3);
      assert.ok(frames.length > messageBurstFor(live.config));
      for (const f of frames) {
        if (f.kind === 'text') flooder.ws.send(f.data);
        else flooder.ws.send(Buffer.from(f.data), { binary: true });
      }
      const closed = await within(flooder.closed, 'flooder closed', 10_000);
      assert.equal(closed.code, 1008);
      assert.ok(flooder.log.some((m) => m.type === 'error' && m.code === ErrorCodes.RATE_LIMITED));
      await probe(a, b, 1);
    } finally {
      await live.stop();
    }
  });
});
