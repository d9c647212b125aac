/**
 * Call-setup benchmark: time from the second person's "Join session" click to the first
 * decoded remote video frame on their screen, 20 times, against a floor measured in the same
 * Chromium: two RTCPeerConnections in one page, createOffer → first decoded frame.
 *
 * A third case shows what the floor leaves out: the same two connections in two pages (two
 * renderer processes, as two people's browsers are), signaled through a bare WebSocket relay,
 * with no app at all. It is not the target's baseline; it tells how much of the gap is the
 * second page on this machine rather than Lectern.
 * Prints a table, then one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, launchBrowser, spawnServer, waitFor, type TestBrowser } from '@lectern/testing';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { round, runBenchmark } from './report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/**
 * Arms the page: remembers when Join is clicked and when the first remote frame is shown, and
 * resolves `__setup` with the time between (awaited once: polling the page would load it).
 */
async function armProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __t0?: number; __t1?: number; __setup: Promise<number> };
    let done: (ms: number) => void = () => {};
    w.__setup = new Promise((resolve) => (done = resolve));
    document.addEventListener(
      'click',
      (e) => {
        const b = (e.target as Element).closest('button');
        if (b?.textContent?.includes('Join session')) w.__t0 = performance.now();
      },
      true,
    );
    const watch = () => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="tile"]:not(.local) video');
      if (v)
        v.requestVideoFrameCallback(() => {
          w.__t1 ??= performance.now();
          if (w.__t0 !== undefined) done(w.__t1 - w.__t0);
        });
      else requestAnimationFrame(watch);
    };
    watch();
  });
}

async function lecternRun(baseUrl: string, open: () => Promise<Page>): Promise<number> {
  const a = await open();
  const b = await open();
  try {
    const code = await createSession(a, baseUrl, 'Host');
    await b.goto(new URL(code, baseUrl).toString());
    await b.getByLabel('Your name').fill('Guest');
    const join = b.getByRole('button', { name: 'Join session' });
    await waitFor(() => join.isEnabled(), { what: 'Join enabled' });
    // Wait for the preview to run, as a person would before clicking.
    await b.getByRole('meter', { name: 'Microphone level' }).waitFor();
    await b.locator('video[aria-label="Camera preview"]').waitFor();
    await armProbe(b);
    await join.click();
    return await Promise.race([
      b.evaluate(() => (window as unknown as { __setup: Promise<number> }).__setup),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no remote frame within 20 s')), 20_000).unref()),
    ]);
  } finally {
    await Promise.all([a.context().close(), b.context().close()]);
  }
}

async function floorRun(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
    });
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection();
    pc1.onicecandidate = (e) => void (e.candidate && pc2.addIceCandidate(e.candidate));
    pc2.onicecandidate = (e) => void (e.candidate && pc1.addIceCandidate(e.candidate));
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    document.body.append(video);
    const firstFrame = new Promise<number>((resolve) => {
      video.requestVideoFrameCallback(() => resolve(performance.now()));
    });
    pc2.ontrack = (e) => {
      if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]);
    };
    for (const t of stream.getTracks()) pc1.addTransceiver(t, { direction: 'sendrecv' });
    const t0 = performance.now();
    const offer = await pc1.createOffer();
    await pc1.setLocalDescription(offer);
    await pc2.setRemoteDescription(offer);
    const answer = await pc2.createAnswer();
    await pc2.setLocalDescription(answer);
    await pc1.setRemoteDescription(answer);
    const t1 = await firstFrame;
    pc1.close();
    pc2.close();
    for (const t of stream.getTracks()) t.stop();
    video.remove();
    return t1 - t0;
  });
}

/**
 * Two pages, no app: each opens its camera and a socket to a relay that passes every frame to
 * the other page. The clock starts when the second page says "join"; the first page then offers
 * (the same steps as the floor, with trickle ICE over the relay) and the second page's first
 * decoded frame stops it.
 */
async function twoPageRun(browser: TestBrowser, pageUrl: string, relayPort: number): Promise<number> {
  const pages = [await browser.newPage(), await browser.newPage()] as const;
  try {
    for (const page of pages) {
      await page.goto(pageUrl);
      await page.evaluate(async (port) => {
        const w = window as unknown as { __ws: WebSocket; __first: Promise<number> };
        const stream = await navigator.mediaDevices.getUserMedia({
          audio: true,
          video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
        });
        const ws = (w.__ws = new WebSocket(`ws://127.0.0.1:${port}`));
        await new Promise((resolve) => (ws.onopen = resolve));
        const pc = new RTCPeerConnection();
        pc.onicecandidate = (e) => e.candidate && ws.send(JSON.stringify({ candidate: e.candidate.toJSON() }));
        const video = document.createElement('video');
        video.muted = true;
        video.autoplay = true;
        document.body.append(video);
        w.__first = new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now())));
        pc.ontrack = (e) => {
          if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]);
        };
        ws.onmessage = async ({ data }) => {
          const m = JSON.parse(data as string) as { join?: true; sdp?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };
          if (m.join) {
            for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendrecv' });
            await pc.setLocalDescription();
            ws.send(JSON.stringify({ sdp: pc.localDescription }));
          } else if (m.sdp) {
            await pc.setRemoteDescription(m.sdp);
            if (m.sdp.type !== 'offer') return;
            for (const t of pc.getTransceivers()) {
              t.direction = 'sendrecv';
              await t.sender.replaceTrack(stream.getTracks().find((x) => x.kind === t.receiver.track.kind) ?? null);
            }
            await pc.setLocalDescription();
            ws.send(JSON.stringify({ sdp: pc.localDescription }));
          } else if (m.candidate) await pc.addIceCandidate(m.candidate);
        };
      }, relayPort);
    }
    return await pages[1].evaluate(async () => {
      const w = window as unknown as { __ws: WebSocket; __first: Promise<number> };
      const t0 = performance.now();
      w.__ws.send(JSON.stringify({ join: true }));
      return (await w.__first) - t0;
    });
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

/** A relay that passes every frame to every other socket (one pair at a time). */
async function startRelay(): Promise<{ port: number; close: () => void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data, binary) => {
      for (const other of wss.clients) if (other !== ws && other.readyState === other.OPEN) other.send(data, { binary });
    });
  });
  return { port: (wss.address() as AddressInfo).port, close: () => wss.close() };
}

async function main(): Promise<void> {
  // The server runs in a process of its own, as it does for real (not beside this driver).
  const dataDir = await mkdtemp(join(tmpdir(), 'lectern-bench-setup-'));
  const server = await spawnServer(['--http', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir]);
  const browser = await launchBrowser();
  const relay = await startRelay();
  const ours: number[] = [];
  const floor: number[] = [];
  const twoPage: number[] = [];
  try {
    const floorPage = await browser.newPage();
    await floorPage.goto(server.url);
    // Warm up once each (first codec init is not what a user waits for twice).
    await floorRun(floorPage);
    await lecternRun(server.url, () => browser.newPage());
    await twoPageRun(browser, server.url, relay.port);
    for (let i = 0; i < RUNS; i++) {
      ours.push(await lecternRun(server.url, () => browser.newPage()));
      floor.push(await floorRun(floorPage));
      twoPage.push(await twoPageRun(browser, server.url, relay.port));
      process.stderr.write(`run ${i + 1}/${RUNS}: lectern ${ours[i]!.toFixed(1)} ms, floor ${floor[i]!.toFixed(1)} ms, two pages ${twoPage[i]!.toFixed(1)} ms\n`);
    }
  } finally {
    relay.close();
    await browser.close();
    await server.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
  const row = (name: string, v: number[]) =>
    `${name.padEnd(34)} ${percentile(v, 50).toFixed(1).padStart(8)} ${percentile(v, 95).toFixed(1).padStart(8)} ${Math.min(...v).toFixed(1).padStart(8)} ${Math.max(...v).toFixed(1).padStart(8)}`;
  const p50 = percentile(ours, 50);
  const f50 = percentile(floor, 50);
  const ratio = p50 / f50;
  console.log(`\nCall setup, ${RUNS} runs (ms)`);
  console.log(`${'case'.padEnd(34)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
  console.log(row('Lectern: Join click → first frame', ours));
  console.log(row('floor: 2 PCs in one page', floor));
  console.log(row('reference: 2 pages, bare relay', twoPage));
  const t50 = percentile(twoPage, 50);
  console.log(`ratio p50 / floor p50: ${ratio.toFixed(2)} (target ≤ 1.5)`);
  console.log(`two bare pages / floor: ${(t50 / f50).toFixed(2)}; Lectern / two bare pages: ${(p50 / t50).toFixed(2)}\n`);
  console.log(
    JSON.stringify({
      bench: 'setup',
      value: round(p50),
      baseline: round(f50),
      ratio: round(ratio, 3),
      unit: 'ms',
      target: 'ratio<=1.5',
      p95: round(percentile(ours, 95)),
      baseline_p95: round(percentile(floor, 95)),
      two_page_p50: round(t50),
      two_page_ratio: round(t50 / f50, 3),
      lectern_vs_two_page: round(p50 / t50, 3),
      runs: RUNS,
    }),
  );
}

runBenchmark(main);
