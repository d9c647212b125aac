/**
 * Call-setup benchmark: time from the second person's "Join session" click to the first
 * decoded remote video frame on their screen, 20 times, against a floor measured in the same
 * Chromium: two RTCPeerConnections in one page, createOffer → first decoded frame.
 * Prints a table, then one JSON line.
 */
import { createSession, launchBrowser, startTestServer, waitFor } from '@lectern/testing';
import type { Page } from 'playwright-core';
import { round, runBenchmark } from './report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/** Arms the page: remembers when Join is clicked and when the first remote frame is shown. */
async function armProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __t0?: number; __t1?: number };
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
      if (v) v.requestVideoFrameCallback(() => (w.__t1 ??= performance.now()));
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
    return await waitFor(
      () => b.evaluate(() => {
        const w = window as unknown as { __t0?: number; __t1?: number };
        return w.__t0 !== undefined && w.__t1 !== undefined ? w.__t1 - w.__t0 : null;
      }),
      { timeoutMs: 20_000, intervalMs: 20, what: 'first remote frame' },
    );
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

async function main(): Promise<void> {
  const server = await startTestServer();
  const browser = await launchBrowser();
  const ours: number[] = [];
  const floor: number[] = [];
  try {
    const floorPage = await browser.newPage();
    await floorPage.goto(server.url);
    // Warm up once each (first codec init is not what a user waits for twice).
    await floorRun(floorPage);
    await lecternRun(server.url, () => browser.newPage());
    for (let i = 0; i < RUNS; i++) {
      ours.push(await lecternRun(server.url, () => browser.newPage()));
      floor.push(await floorRun(floorPage));
      process.stderr.write(`run ${i + 1}/${RUNS}: lectern ${ours[i]!.toFixed(1)} ms, floor ${floor[i]!.toFixed(1)} ms\n`);
    }
  } finally {
    await browser.close();
    await server.close();
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
  console.log(`ratio p50 / floor p50: ${ratio.toFixed(2)} (target ≤ 1.5)\n`);
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
      runs: RUNS,
    }),
  );
}

runBenchmark(main);
