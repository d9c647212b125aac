import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ErrorCodes, PROTOCOL_VERSION } from '@lectern/protocol';
import { Live, RawSocketClient, TestClient, within } from './live-support.test.js';

async function getJson(url: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server: HTTP', () => {
  test('GET /healthz → 200 JSON status ok, with live counts', async () => {
    const live = await Live.start();
    try {
      const h0 = await getJson(`${live.httpUrl}/healthz`);
      assert.equal(h0.status, 200);
      assert.match(h0.type ?? '', /application\/json/);
      assert.equal(h0.body.status, 'ok');
      assert.equal(h0.body.version, PROTOCOL_VERSION);
      assert.equal(h0.body.sessions, 0);
      assert.equal(h0.body.connections, 0);
      const a = await live.ready();
      await a.create();
      const h1 = await getJson(`${live.httpUrl}/healthz?probe=1`);
      assert.equal(h1.body.sessions, 1);
      assert.equal(h1.body.connections, 1);
    } finally {
      await live.stop();
    }
  });

  test('without a built web app: 404 for pages, 405 for other methods, 404 for other upgrade paths', async () => {
    const live = await Live.start();
    try {
      const page = await fetch(`${live.httpUrl}/abc-defg-hjk`);
      assert.equal(page.status, 404);
      await page.text();
      const post = await fetch(`${live.httpUrl}/`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      await post.text();
      const ws = new WebSocket(`ws://127.0.0.1:${live.port}/not-ws`);
      const status = await within(
        new Promise<number>((resolve) => {
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('error', () => resolve(-1));
        }),
        'upgrade refusal',
      );
      assert.equal(status, 404);
      ws.terminate();
    } finally {
      await live.stop();
    }
  });
});

describe('server: default HTTPS', () => {
  test('without --http it serves HTTPS with the generated certificate; /healthz and /ws work', async () => {
    const live = await Live.start({ http: false });
    try {
      assert.equal(live.server.scheme, 'https');
      assert.equal(live.server.url, `https://localhost:${live.port}/`);
      const cert = live.server.certificate;
      assert.ok(cert);
      const x509 = new X509Certificate(cert);
      assert.equal(x509.checkIP('127.0.0.1'), '127.0.0.1');
      // Trusting only this certificate, the name checks pass for 127.0.0.1 and localhost.
      const h = await httpsGet(`https://127.0.0.1:${live.port}/healthz`, cert);
      assert.equal(h.status, 200);
      assert.equal((JSON.parse(h.body) as { status: string }).status, 'ok');
      const hl = await httpsGet(`https://localhost:${live.port}/healthz`, cert);
      assert.equal(hl.status, 200);
      const c = await live.client({ ca: cert });
      assert.equal((await c.hello()).v, PROTOCOL_VERSION);
      // Plain TLS clients that do not trust it are refused.
      await assert.rejects(httpsGet(`https://127.0.0.1:${live.port}/healthz`, ''), /self[- ]signed|certificate/i);
    } finally {
      await live.stop();
    }
  });
});

describe('server: shutdown and restart', () => {
  test('close() sends bye and closes every socket with 1001; idempotent; the port stops listening', async () => {
    const live = await Live.start();
    try {
      const a = await live.ready();
      const code = await a.create();
      await a.joined(code, 'A');
      const b = await live.ready();
      await b.joined(code, 'B');
      const idle = await live.client(); // never said hello
      const first = live.server.close();
      assert.equal(live.server.close(), first, 'close() is idempotent');
      await within(first, 'server close');
      for (const c of [a, b, idle]) {
        assert.deepEqual(await c.next('bye'), { type: 'bye', reason: 'shutdown' });
        assert.equal((await c.closed).code, 1001);
      }
      assert.deepEqual(a.pending('participant-left'), [], 'no participant-left storm on shutdown');
      await assert.rejects(TestClient.connect(live.wsUrl), /ECONNREFUSED/);
    } finally {
      await live.stop(); // removes the data dir; close() again is a no-op
    }
  });

  test('after a restart with the same data dir, resume tokens re-open the session; no token → ROOM_NOT_FOUND', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lectern-restart-'));
    try {
      const first = await Live.start({ dataDir });
      const a = await first.ready();
      const code = await a.create();
      const tokenA = (await a.joined(code, 'Ada')).resumeToken;
      const b = await first.ready();
      const tokenB = (await b.joined(code, 'Bob')).resumeToken;
      const ids = { a: a.participantId, b: b.participantId };
      await first.server.close();
      assert.equal((await a.closed).code, 1001);
      assert.equal((await b.closed).code, 1001);

      const second = await Live.start({ dataDir });
      try {
        const stranger = await second.ready();
        stranger.join(code, 'Eve');
        assert.equal((await stranger.next('join-error')).code, ErrorCodes.ROOM_NOT_FOUND);

        const a2 = await second.client();
        const w = await a2.hello(tokenA);
        assert.equal(w.resumed, true);
        assert.equal(w.participantId, ids.a);
        const ja = await a2.joined(code, 'Ada');
        assert.equal(ja.code, code);
        assert.equal(ja.self.id, ids.a);
        assert.deepEqual(ja.participants, []);

        const b2 = await second.client();
        assert.equal((await b2.hello(tokenB)).participantId, ids.b);
        const jb = await b2.joined(code, 'Bob');
        assert.deepEqual(jb.participants.map((p) => p.id), [ids.a]);
        assert.equal((await a2.next('participant-joined')).participant.id, ids.b);
        // The token only re-opens its own session.
        const other = await second.client();
        await other.hello(tokenA);
        other.join('bcd-efgh-jkm', 'Ada');
        assert.equal((await other.next('join-error')).code, ErrorCodes.ROOM_NOT_FOUND);
      } finally {
        await second.stop(false);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('server: heartbeat', () => {
  test('a silent client is dropped (4000) and the others get participant-left "timeout"', async () => {
    const live = await Live.start({ heartbeatTimeoutMs: 1000 });
    const a = await live.ready();
    const keepAlive = setInterval(() => a.send({ type: 'ping', t: 0 }), 150);
    try {
      const code = await a.create();
      await a.joined(code, 'A');
      const silent = await live.ready();
      await silent.joined(code, 'S');
      const startedAt = Date.now();
      const left = await a.next('participant-left', undefined, 4000);
      assert.deepEqual(left, { type: 'participant-left', participantId: silent.participantId, reason: 'timeout' });
      assert.ok(Date.now() - startedAt >= 800, 'not dropped before the timeout');
      assert.equal((await within(silent.closed, 'silent close')).code, 4000);
      assert.ok(a.open, 'the client that pings stays connected');
      await a.roundTrip();
      assert.equal(a.pending('participant-left').length, 0, 'told once');
    } finally {
      clearInterval(keepAlive);
      await live.stop();
    }
  });

  test('a stall of the server process itself drops nobody: the sockets are read before anyone is judged', async () => {
    const live = await Live.start({ heartbeatTimeoutMs: 1000 });
    const a = await live.ready();
    const keepAlive = setInterval(() => a.send({ type: 'ping', t: 0 }), 150);
    try {
      const code = await a.create();
      await a.joined(code, 'A');
      await a.roundTrip();
      // Block this process (server and client alike) for 2.5 heartbeat timeouts, as a long
      // GC pause or a suspended VM would.
      const until = Date.now() + 2500;
      while (Date.now() < until) {
        // busy
      }
      await new Promise((r) => setTimeout(r, 1200));
      assert.ok(a.open, 'the pinging client survived the stall');
      await a.roundTrip();
      assert.equal(a.closeInfo, null);
    } finally {
      clearInterval(keepAlive);
      await live.stop();
    }
  });

  test('a connection dropped for silence cannot leave a ghost member behind', async () => {
    const live = await Live.start({ heartbeatTimeoutMs: 1000 });
    const a = await live.ready();
    const keepAlive = setInterval(() => a.send({ type: 'ping', t: 0 }), 150);
    const raw = await RawSocketClient.connect(live.port);
    try {
      const code = await a.create();
      await a.joined(code, 'A');
      raw.sendText(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION }));
      await raw.until(() => raw.texts.length > 0, 'welcome');
      const ghostId = (JSON.parse(raw.texts[0]!) as { participantId: string }).participantId;
      // The server gives up on the silent client and starts closing its socket...
      await raw.until(() => raw.closeCode !== null, 'close frame', 4000);
      assert.equal(raw.closeCode, 4000);
      // ...but a join that was already on its way still arrives.
      raw.sendText(JSON.stringify({ type: 'join', code, name: 'Ghost', media: { muted: false, cameraOff: false } }));
      const admitted = await a
        .next('participant-joined', (m) => m.participant.id === ghostId, 1000)
        .then(() => true, () => false);
      raw.destroy();
      if (admitted) {
        // Admitted on a dying connection: once that socket is gone, the member must go too.
        const left = await a.next('participant-left', (m) => m.participantId === ghostId, 3000).catch(() => null);
        assert.ok(left, 'the member admitted on a timed-out connection stays in the session forever');
      }
    } finally {
      clearInterval(keepAlive);
      raw.destroy();
      await live.stop();
    }
  });
});
