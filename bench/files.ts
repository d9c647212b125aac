/**
 * File-transfer benchmark: a 200 MiB file from one browser to another on loopback through
 * Lectern (UI send → accept → verified on the receiver), against a baseline measured in the
 * same run: a bare RTCDataChannel pair in one page sending the same bytes as fast as it can with
 * the same chunk size and buffer thresholds. Prints a table, then one JSON line.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TUNING } from '@lectern/client';
import { fileTransfers, launchBrowser, startTestServer, twoInSession, waitFor, type TestBrowser } from '@lectern/testing';
import type { Page } from 'playwright-core';
import { round, runBenchmark } from './report.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_FILE_MIB ?? 200) * MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const { chunkBytes, highWaterBytes, lowWaterBytes } = DEFAULT_TUNING;
/** `on` keeps both cameras and microphones running during the transfer, as in a live class. */
const MEDIA = process.env.BENCH_MEDIA === 'on' ? 'on' : 'off';

interface Run {
  mibPerSecond: number;
  maxBuffered: number;
}

/** One transfer through the app; the clock runs on the receiver from accept to verified. */
async function lecternRun(browser: TestBrowser, baseUrl: string, path: string): Promise<Run> {
  const { a, b } = await twoInSession(browser, baseUrl);
  try {
    if (MEDIA === 'off') {
      // Measure the transfer path, not the video encoder competing for the same two cores.
      for (const p of [a, b]) {
        await p.getByRole('button', { name: 'Turn camera off' }).click();
        await p.getByRole('button', { name: 'Mute microphone' }).click();
      }
    }
    await b.evaluate(() => {
      const w = window as unknown as { __t: { start?: number; end?: number; state?: string }; lectern: { room: { files: { on(e: 'transferAdded', fn: (t: { state: string; on(e: 'stateChanged', fn: (s: string) => void): void }) => void): void } } } };
      w.__t = {};
      w.lectern.room.files.on('transferAdded', (t) =>
        t.on('stateChanged', (s) => {
          if (s === 'transferring') w.__t.start = performance.now();
          if (s === 'complete') w.__t.end = performance.now();
          w.__t.state = s;
        }),
      );
    });
    await a.getByLabel('Choose a file to send').setInputFiles(path);
    await b.getByRole('button', { name: /^Accept / }).click();
    const t = await waitFor(
      () =>
        b.evaluate(() => {
          const x = (window as unknown as { __t: { start?: number; end?: number; state?: string } }).__t;
          if (x.state === 'failed' || x.state === 'cancelled') throw new Error(`transfer ${x.state}`);
          return x.end !== undefined && x.start !== undefined ? x : null;
        }),
      { timeoutMs: 300_000, intervalMs: 50, what: 'the transfer to complete' },
    );
    await waitFor(async () => (await fileTransfers(a))[0]?.state === 'complete', { what: 'the sender to see it complete' });
    const [sent] = await fileTransfers(a);
    return { mibPerSecond: SIZE / MiB / ((t.end! - t.start!) / 1000), maxBuffered: sent!.maxBufferedAmount ?? 0 };
  } finally {
    await Promise.all([a.context().close(), b.context().close()]);
  }
}

/** Puts the file into the page as `window.__file` through a file input (not timed). */
async function loadFile(page: Page, path: string): Promise<void> {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    input.onchange = () => ((window as unknown as { __file: File }).__file = input.files![0]!);
    document.body.append(input);
  });
  await page.locator('#bench-file').setInputFiles(path);
  await waitFor(() => page.evaluate(() => !!(window as unknown as { __file?: File }).__file), { what: 'the file in the page' });
}

/** A bare RTCDataChannel pair in one page: the bytes already in memory, sent as fast as it goes. */
async function baselineRun(page: Page): Promise<Run> {
  return page.evaluate(
    async ({ chunkBytes, highWaterBytes, lowWaterBytes }) => {
      const file = (window as unknown as { __file: File }).__file;
      const bytes = new Uint8Array(await file.arrayBuffer());
      const pc1 = new RTCPeerConnection();
      const pc2 = new RTCPeerConnection();
      pc1.onicecandidate = (e) => void (e.candidate && pc2.addIceCandidate(e.candidate));
      pc2.onicecandidate = (e) => void (e.candidate && pc1.addIceCandidate(e.candidate));
      const ch = pc1.createDataChannel('bench', { ordered: true });
      ch.binaryType = 'arraybuffer';
      const received = new Promise<number>((resolve) => {
        pc2.ondatachannel = ({ channel }) => {
          channel.binaryType = 'arraybuffer';
          let got = 0;
          channel.onmessage = ({ data }) => {
            got += (data as ArrayBuffer).byteLength;
            if (got === bytes.length) resolve(performance.now());
          };
        };
      });
      const opened = new Promise<void>((resolve) => (ch.onopen = () => resolve()));
      await pc1.setLocalDescription();
      await pc2.setRemoteDescription(pc1.localDescription!);
      await pc2.setLocalDescription();
      await pc1.setRemoteDescription(pc2.localDescription!);
      await opened;
      ch.bufferedAmountLowThreshold = lowWaterBytes;
      let maxBuffered = 0;
      const t0 = performance.now();
      for (let o = 0; o < bytes.length; o += chunkBytes) {
        while (ch.bufferedAmount + chunkBytes > highWaterBytes) await new Promise((r) => (ch.onbufferedamountlow = r));
        ch.send(bytes.subarray(o, Math.min(o + chunkBytes, bytes.length)));
        maxBuffered = Math.max(maxBuffered, ch.bufferedAmount);
      }
      const t1 = await received;
      pc1.close();
      pc2.close();
      return { mibPerSecond: bytes.length / (1024 * 1024) / ((t1 - t0) / 1000), maxBuffered };
    },
    { chunkBytes, highWaterBytes, lowWaterBytes },
  );
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lectern-bench-files-'));
  const path = join(dir, 'bench.bin');
  const bytes = randomBytes(SIZE);
  await writeFile(path, bytes);
  process.stderr.write(`file: ${SIZE / MiB} MiB, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}…\n`);
  const server = await startTestServer();
  const browser = await launchBrowser();
  const ours: Run[] = [];
  const bare: Run[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await loadFile(page, path);
    for (let i = 0; i < RUNS; i++) {
      bare.push(await baselineRun(page));
      ours.push(await lecternRun(browser, server.url, path));
      process.stderr.write(`run ${i + 1}/${RUNS}: lectern ${ours[i]!.mibPerSecond.toFixed(1)} MiB/s, bare ${bare[i]!.mibPerSecond.toFixed(1)} MiB/s\n`);
    }
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
  const value = median(ours.map((r) => r.mibPerSecond));
  const baseline = median(bare.map((r) => r.mibPerSecond));
  const maxBuffered = Math.max(...ours.map((r) => r.maxBuffered));
  const fmt = (v: number[]) => v.map((x) => x.toFixed(1).padStart(7)).join(' ');
  console.log(`\nFile transfer, ${SIZE / MiB} MiB on loopback, cameras and microphones ${MEDIA}, chunk ${chunkBytes / 1024} KiB, buffer ${lowWaterBytes / MiB}–${highWaterBytes / MiB} MiB (MiB/s)`);
  console.log(`${'case'.padEnd(44)} ${'median'.padStart(7)}  runs`);
  console.log(`${'Lectern: accept → verified on the receiver'.padEnd(44)} ${value.toFixed(1).padStart(7)}  ${fmt(ours.map((r) => r.mibPerSecond))}`);
  console.log(`${'baseline: bare RTCDataChannel pair, 1 page'.padEnd(44)} ${baseline.toFixed(1).padStart(7)}  ${fmt(bare.map((r) => r.mibPerSecond))}`);
  console.log(`ratio: ${(value / baseline).toFixed(2)} (target ≥ 0.8); sender's max bufferedAmount ${(maxBuffered / MiB).toFixed(2)} MiB (limit 16)\n`);
  console.log(
    JSON.stringify({
      bench: 'files',
      value: round(value),
      baseline: round(baseline),
      ratio: round(value / baseline, 3),
      unit: 'MiB/s',
      target: 'ratio>=0.8',
      max_buffered_bytes: maxBuffered,
      file_mib: SIZE / MiB,
      media: MEDIA,
      chunk_bytes: chunkBytes,
      runs: RUNS,
    }),
  );
}

runBenchmark(main);
