import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import WebSocket from 'ws';
import { ErrorCodes } from '@lectern/protocol';
import { Live, RawSocketClient, TestClient, waitFor, within } from '../live-support.test.js';

/** Opens a WebSocket to `url` and resolves with 101 or the HTTP status of the refusal. */
function upgradeStatus(url: string): Promise<{ status: number; ws: WebSocket }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return within(
    new Promise((resolve) => {
      ws.once('open', () => resolve({ status: 101, ws }));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
      ws.once('error', () => resolve({ status: -1, ws }));
    }),
    'upgrade answer',
  );
}

async function health(live: Live): Promise<{ connections: number }> {
  return (await (await fetch(`${live.httpUrl}/healthz`)).json()) as { connections: number };
}

describe('limits: message rate', () => {
  test('a flooder gets error RATE_LIMITED and close 1008; its session carries on without it', async () => {
    const live = await Live.start({ messageRate: 20, messageBurst: 40 });
    try {
      const { clients } = await live.session(['Flood', 'Calm']);
      const [flood, calm] = clients as [TestClient, TestClient];
      for (let i = 0; i < 200; i++) flood.send({ type: 'ping', t: i });
      const closed = await within(flood.closed, 'flooder closed');
      assert.equal(closed.code, 1008);
      const errors = flood.log.filter((m) => m.type === 'error');
      assert.deepEqual(errors.map((m) => m.type === 'error' && m.code), [ErrorCodes.RATE_LIMITED]);
      const pongs = flood.log.filter((m) => m.type === 'pong').length;
      assert.ok(pongs >= 30 && pongs <= 42, `answered about the burst before closing, got ${pongs}`);
      assert.equal((await calm.next('participant-left')).participantId, flood.participantId);
      await calm.roundTrip();
    } finally {
      await live.stop();
    }
  });

  test('a socket that keeps sending malformed frames is closed after a tenth of the burst of them, well under its message rate; an odd bad frame only gets its error', async () => {
    const live = await Live.start({ messageRate: 50, messageBurst: 100 });
    try {
      const { clients } = await live.session(['Junk', 'Slip', 'Calm']);
      const [junk, slip, calm] = clients as [TestClient, TestClient, TestClient];
      for (let i = 0; i < 3; i++) slip.ws.send('not json');
      await slip.roundTrip();
      assert.equal(slip.pending('error').length, 3, 'each bad frame gets its error');
      assert.ok(slip.open);
      for (let i = 0; i < 60; i++) junk.ws.send(i % 2 ? 'not json' : '{"type":"no-such-type"}');
      const closed = await within(junk.closed, 'junk sender closed');
      assert.equal(closed.code, 1008);
      const errors = junk.log.flatMap((m) => (m.type === 'error' ? [m.code] : []));
      assert.equal(errors.at(-1), ErrorCodes.RATE_LIMITED);
      const answered = errors.length - 1;
      assert.ok(answered >= 9 && answered <= 12, `answered about a tenth of the burst (10) before closing, got ${answered}`);
      assert.equal((await calm.next('participant-left')).participantId, junk.participantId);
      await calm.roundTrip();
    } finally {
      await live.stop();
    }
  });

  test('a client at its burst, then at the sustained rate, is never limited', async () => {
    const live = await Live.start({ messageRate: 50, messageBurst: 60 });
    try {
      const { clients } = await live.session(['A', 'B']);
      const [a, b] = clients as [TestClient, TestClient];
      // A joiner trickling its candidates: the whole burst at once, answered in full.
      for (let i = 0; i < 55; i++) a.send({ type: 'ice-candidate', to: b.participantId, candidate: { candidate: `candidate:${i} 1 udp 1 192.0.2.1 ${1000 + i} typ host` } });
      await waitFor(() => b.pending('ice-candidate').length === 55, 'all 55 candidates relayed');
      // Most of them waited in the slow lane (past the fast lane's few), and came out in order.
      const ports = b.pending('ice-candidate').map((m) => (m.type === 'ice-candidate' ? Number(m.candidate?.candidate.split(' ')[5]) : 0));
      assert.deepEqual(ports, Array.from({ length: 55 }, (_, i) => 1000 + i));
      // Then well under the sustained rate for a while: one message every 40 ms (25/s).
      for (let i = 0; i < 25; i++) {
        const t0 = Date.now();
        await a.roundTrip();
        const left = 40 - (Date.now() - t0);
        if (left > 0) await new Promise((r) => setTimeout(r, left)); // pacing the sender, not synchronising
      }
      assert.ok(a.open);
      assert.deepEqual(a.pending('error'), []);
    } finally {
      await live.stop();
    }
  });
});

describe('limits: sockets outside a session, and addresses that keep flooding', () => {
  /** Floods `client` with pings until the server closes it; returns how many it answered. */
  async function floodUntilClosed(client: TestClient, frames: number): Promise<number> {
    for (let i = 0; i < frames; i++) client.send({ type: 'ping', t: i });
    const closed = await within(client.closed, 'flooder closed');
    assert.equal(closed.code, 1008);
    assert.ok(client.log.some((m) => m.type === 'error' && m.code === ErrorCodes.RATE_LIMITED));
    return client.log.filter((m) => m.type === 'pong').length;
  }

  test('a socket that has not joined a session is closed after a tenth of the burst; a joined one gets all of it', async () => {
    const live = await Live.start({ messageRate: 50, messageBurst: 100 });
    try {
      const lone = await live.ready();
      const pongs = await floodUntilClosed(lone, 200);
      // hello took one of its 10 tokens; a few more come back while the frames arrive.
      assert.ok(pongs >= 8 && pongs <= 12, `answered about 9 before closing, got ${pongs}`);
      const { clients } = await live.session(['Joined', 'Other']);
      const joinedPongs = await floodUntilClosed(clients[0]!, 300);
      assert.ok(joinedPongs >= 90, `a joined socket keeps its burst, got ${joinedPongs}`);
    } finally {
      await live.stop();
    }
  });

  test('flood closes are logged at most once a second, with a count of the others', async () => {
    const lines: Array<{ msg?: string; alsoClosedSinceLastLine?: number }> = [];
    const sink = { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) };
    const live = await Live.start({ maxConnectionsPerIp: 1000 }, pino({ level: 'info' }, sink));
    try {
      // Three (more would be refused at the upgrade: the address keeps flooding), all at once.
      const flooders = await Promise.all([live.ready(), live.ready(), live.ready()]);
      const before = lines.length;
      await Promise.all(flooders.map((f) => floodUntilClosed(f, 50)));
      const closes = lines.slice(before).filter((l) => l.msg?.endsWith('; closing'));
      assert.equal(closes.length, 1, `one line for three closes within a second, got ${closes.length}`);
    } finally {
      await live.stop();
    }
  });

  test('after three sockets of one address are closed for flooding, its new upgrades get 429 (late); its open sockets carry on', async () => {
    const live = await Live.start();
    try {
      const calm = await live.ready();
      for (let i = 0; i < 3; i++) await floodUntilClosed(await live.ready(), 50);
      const t0 = performance.now();
      const refused = await upgradeStatus(live.wsUrl);
      assert.equal(refused.status, 429);
      assert.ok(performance.now() - t0 >= 1500, 'answered after the tarpit delay');
      refused.ws.terminate();
      await calm.roundTrip();
      assert.ok(calm.open);
    } finally {
      await live.stop();
    }
  });
});

describe('limits: frames and compression', () => {
  test('permessage-deflate offered by the client is not accepted', async () => {
    const live = await Live.start();
    try {
      const ws = new WebSocket(live.wsUrl, { perMessageDeflate: true });
      const header = await within(
        new Promise<string | undefined>((resolve, reject) => {
          ws.once('upgrade', (res) => resolve(res.headers['sec-websocket-extensions'] as string | undefined));
          ws.once('error', reject);
        }),
        'upgrade',
      );
      assert.equal(header, undefined, 'no extension in the 101 answer');
      await waitFor(() => ws.readyState === WebSocket.OPEN, 'open');
      assert.equal(ws.extensions, '');
      ws.terminate();
    } finally {
      await live.stop();
    }
  });

  /** Sends one masked frame whose first byte is `first` and returns the server's close code. */
  async function closeCodeAfterFrame(first: number, payload: Buffer): Promise<number | null> {
    const live = await Live.start();
    try {
      const raw = await RawSocketClient.connect(live.port);
      const mask = randomBytes(4);
      raw.socket.write(Buffer.concat([Buffer.from([first, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
      await raw.until(() => raw.closeCode !== null, 'close frame');
      raw.destroy();
      return raw.closeCode;
    } finally {
      await live.stop();
    }
  }

  test('a compressed frame (RSV1 set) is a protocol error: close 1002, never inflated', async () => {
    assert.equal(await closeCodeAfterFrame(0xc1, Buffer.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])), 1002);
  });

  test('invalid UTF-8 in a text frame closes with 1007', async () => {
    assert.equal(await closeCodeAfterFrame(0x81, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007);
  });
});

describe('limits: handshake timeout', () => {
  test('a socket that never sends "hello" is told HANDSHAKE_REQUIRED and closed with 1008; one that did stays', async () => {
    const live = await Live.start({ handshakeTimeoutMs: 1000, heartbeatTimeoutMs: 60_000 });
    try {
      const ready = await live.ready();
      const mute = await live.client();
      const t0 = Date.now();
      const closed = await within(mute.closed, 'handshake timeout', 4000);
      assert.equal(closed.code, 1008);
      assert.ok(Date.now() - t0 >= 900, 'not before the timeout');
      const e = mute.log.find((m) => m.type === 'error');
      assert.equal(e?.type === 'error' && e.code, ErrorCodes.HANDSHAKE_REQUIRED);
      await ready.roundTrip();
      assert.ok(ready.open);
    } finally {
      await live.stop();
    }
  });
});

describe('limits: connection caps', () => {
  test('over --max-connections-per-ip the upgrade gets 429; a closed socket frees its place', async () => {
    const live = await Live.start({ maxConnectionsPerIp: 3 });
    try {
      const held = [await live.ready(), await live.ready(), await live.ready()];
      const refused = await upgradeStatus(live.wsUrl);
      assert.equal(refused.status, 429);
      refused.ws.terminate();
      assert.equal((await health(live)).connections, 3, 'the refused socket was never a connection');
      await held[0]!.close();
      let status = 0;
      await waitFor(async () => {
        const again = await upgradeStatus(live.wsUrl);
        status = again.status;
        again.ws.terminate();
        return status === 101;
      }, 'a place after one socket closed');
      await held[1]!.roundTrip().catch(() => assert.fail('held sockets are unaffected'));
    } finally {
      await live.stop();
    }
  });

  test('over --max-connections the upgrade gets 503', async () => {
    const live = await Live.start({ maxConnections: 2 });
    try {
      await live.ready();
      await live.ready();
      const refused = await upgradeStatus(live.wsUrl);
      assert.equal(refused.status, 503);
      refused.ws.terminate();
    } finally {
      await live.stop();
    }
  });
});
