import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { waitFor } from './server.js';

/** Debian's Chromium; the test command installs it when missing. */
export const CHROMIUM_PATH = process.env.LECTERN_CHROMIUM ?? '/usr/bin/chromium';

/** The flags from DESIGN.md §6, plus what makes loopback WebRTC and autoplay work headless. */
export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Keep background tabs rendering: the tests drive several pages at once.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** A Chromium process with a fresh profile; each context in it is one isolated "browser". */
export interface TestBrowser {
  browser: Browser;
  /** A new isolated context and page, like a separate person's browser. */
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium from Debian, driven by playwright-core. `executablePath` may be a
 * launcher script (e.g. one that runs Chromium inside a network namespace).
 */
export async function launchBrowser(extraArgs: string[] = [], options: { executablePath?: string } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}; run "npm test" (it installs it) or apt-get install chromium`);
  // playwright-core gives every non-persistent launch a fresh, empty --user-data-dir.
  const browser = await chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  const contexts = new Set<BrowserContext>();
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: options.viewport ?? { width: 1024, height: 700 } });
      contexts.add(context);
      const page = await context.newPage();
      page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Receive-side numbers for every remote participant of the page's room, keyed by name. */
export interface PeerMedia {
  id: string;
  name: string;
  framesDecoded: number;
  audioPacketsReceived: number;
  frameWidth: number;
  frameHeight: number;
  localCandidateType: string | null;
  localRelayProtocol: string | null;
  /** MIME type of their camera video as received, e.g. video/VP8. */
  videoCodec: string | null;
  /** Their shared screen, apart from the camera. */
  screenFramesDecoded: number;
  screenFrameWidth: number;
  screenAudioPacketsReceived: number;
}

/** Reads getStats() numbers through the page's Room (window.lectern). */
export function remoteMedia(page: Page): Promise<PeerMedia[]> {
  return page.evaluate(async () => {
    const room = window.lectern?.room;
    if (!room) return [];
    const out: PeerMedia[] = [];
    for (const p of room.participants.values()) {
      const s = await room.getStats(p.id);
      out.push({
        id: p.id,
        name: p.name,
        framesDecoded: s?.framesDecoded ?? 0,
        audioPacketsReceived: s?.audioPacketsReceived ?? 0,
        frameWidth: s?.frameWidth ?? 0,
        frameHeight: s?.frameHeight ?? 0,
        localCandidateType: s?.localCandidateType ?? null,
        localRelayProtocol: s?.localRelayProtocol ?? null,
        videoCodec: s?.videoCodec ?? null,
        screenFramesDecoded: s?.screen.framesDecoded ?? 0,
        screenFrameWidth: s?.screen.frameWidth ?? 0,
        screenAudioPacketsReceived: s?.screen.audioPacketsReceived ?? 0,
      });
    }
    return out;
  });
}

/**
 * Proves media flows from every name in `from` to `page`: remote video frames decoded and
 * audio packets received both rise between two samples.
 */
export function expectMediaFlowing(page: Page, from: string[], timeoutMs = 30_000): Promise<void> {
  return expectRising(page, from, (m) => [m.framesDecoded, m.audioPacketsReceived], `media from ${from.join(', ')}`, timeoutMs);
}

/**
 * Proves the shared screens of every name in `from` reach `page` as decoded video: the screen's
 * own frames-decoded count (apart from the camera's) is above zero and rising.
 */
export function expectScreenFlowing(page: Page, from: string[], timeoutMs = 30_000): Promise<void> {
  return expectRising(page, from, (m) => [m.screenFramesDecoded], `screens of ${from.join(', ')}`, timeoutMs);
}

/** Waits until every number `pick` reads for each name is above zero, then until each rises. */
async function expectRising(page: Page, from: string[], pick: (m: PeerMedia) => number[], what: string, timeoutMs: number): Promise<void> {
  const first = await waitFor(
    async () => {
      const media = await remoteMedia(page);
      const ok = from.every((n) => media.some((m) => m.name === n && pick(m).every((v) => v > 0)));
      return ok ? media : null;
    },
    { timeoutMs, what },
  );
  // The baseline per name. A counter that went down means the connection was rebuilt (a
  // reconnect): its new counters are the baseline then, and they must rise from there.
  const base = new Map(from.map((n) => [n, pick(first.find((m) => m.name === n)!)]));
  await waitFor(
    async () => {
      const media = await remoteMedia(page);
      return from
        .map((n) => {
          const a = base.get(n)!;
          const found = media.find((m) => m.name === n);
          if (!found) return false;
          const b = pick(found);
          if (b.some((v, i) => v < a[i]!)) {
            base.set(n, b);
            return false;
          }
          return b.every((v, i) => v > a[i]!);
        })
        .every(Boolean);
    },
    { timeoutMs, what: `${what} to keep rising` },
  );
}

declare global {
  interface Window {
    lectern?: {
      room: {
        participants: ReadonlyMap<string, { id: string; name: string }>;
        getStats(id: string): Promise<{
          framesDecoded: number;
          audioPacketsReceived: number;
          frameWidth: number;
          frameHeight: number;
          localCandidateType: string | null;
          localRelayProtocol: string | null;
          videoCodec: string | null;
          screen: { framesDecoded: number; frameWidth: number; audioPacketsReceived: number };
        } | null>;
      };
    };
  }
}

/**
 * Registers before/after hooks that start one server and one Chromium for a test file and
 * tear both down. Read `server` and `browser` inside tests (after `before` has run).
 */
export function useServerAndBrowser(
  hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void },
  start: () => Promise<import('./server.js').TestServer>,
): { readonly server: import('./server.js').TestServer; readonly browser: TestBrowser } {
  const env = {} as { server: import('./server.js').TestServer; browser: TestBrowser };
  hooks.before(async () => {
    env.server = await start();
    env.browser = await launchBrowser();
  });
  hooks.after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
