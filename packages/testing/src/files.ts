import type { Page } from 'playwright-core';
import { createSession, joinByLink } from './app-driver.js';
import type { TestBrowser } from './browser.js';
import { waitFor } from './server.js';

/** What the file-transfer tests read from a page's `window.lectern.room.files`. */
interface FilesHook {
  room: {
    participants: ReadonlyMap<string, { connection: string }>;
    files: {
      list: Array<{ id: string; state: string; progress: { bytes: number }; maxBufferedAmount?: number; file?: Blob | null }>;
      on(event: 'transferAdded', fn: (t: { id: string; on(e: 'progress', fn: (p: { bytes: number }) => void): void }) => void): void;
    };
  };
}

/**
 * Two people in one session with their peer connection up: `a` created it, `b` joined by link.
 * The File System Access picker is hidden in both, so received files are kept in memory and
 * offered with "Save" (a test may stub it back in with `addInitScript`).
 */
export async function twoInSession(browser: TestBrowser, baseUrl: string, names: [string, string] = ['Alice', 'Bob']): Promise<{ a: Page; b: Page; code: string }> {
  const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
  for (const p of [a, b]) await p.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));
  const code = await createSession(a, baseUrl, names[0]);
  await joinByLink(b, baseUrl, code, names[1]);
  for (const p of [a, b]) {
    await waitFor(
      () => p.evaluate(() => [...(window as unknown as { lectern: FilesHook }).lectern.room.participants.values()].every((x) => x.connection === 'connected')),
      { timeoutMs: 30_000, what: 'the peer connection' },
    );
  }
  return { a, b, code };
}

/** Starts recording every progress event of every transfer on the page, by transfer id. */
export async function recordFileProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { lectern: FilesHook; __fileProgress: Record<string, number[]> };
    w.__fileProgress = {};
    w.lectern.room.files.on('transferAdded', (t) => {
      const list = (w.__fileProgress[t.id] = [] as number[]);
      t.on('progress', (p) => list.push(p.bytes));
    });
  });
}

/** The recorded progress (bytes) of every transfer on the page. */
export function fileProgress(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => (window as unknown as { __fileProgress: Record<string, number[]> }).__fileProgress);
}

/** Id, state, bytes done and (for senders) the highest bufferedAmount of every transfer. */
export function fileTransfers(page: Page): Promise<Array<{ id: string; state: string; bytes: number; maxBufferedAmount: number | null; hasFile: boolean }>> {
  return page.evaluate(() =>
    (window as unknown as { lectern: FilesHook }).lectern.room.files.list.map((t) => ({
      id: t.id,
      state: t.state,
      bytes: t.progress.bytes,
      maxBufferedAmount: t.maxBufferedAmount ?? null,
      hasFile: !!t.file,
    })),
  );
}
