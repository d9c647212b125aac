import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createSession, expectMediaFlowing, joinByLink, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

// auto: mesh for two, the SFU from three on (the threshold is configurable; 2 keeps this test light).
const env = useServerAndBrowser({ before, after }, () => startTestServer({ topology: 'auto', sfuThreshold: 2, sfuPort: 0 }));

interface RoomView {
  topology: 'mesh' | 'sfu' | null;
  participants: ReadonlyMap<string, { id: string; name: string }>;
  getStats(id: string): Promise<{ framesDecoded: number } | null>;
}
const room = (page: Page) => page.evaluate(() => (window as unknown as { lectern: { room: RoomView } }).lectern.room.topology);

/** Samples framesDecoded for every remote participant every 100 ms, in the page, until stopped. */
async function startSampler(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { lectern: { room: RoomView }; __gaps: Record<string, number>; __stop: boolean };
    w.__gaps = {};
    w.__stop = false;
    const last = new Map<string, { frames: number; at: number }>();
    const loop = async () => {
      while (!w.__stop) {
        const now = performance.now();
        for (const p of w.lectern.room.participants.values()) {
          const frames = (await w.lectern.room.getStats(p.id))?.framesDecoded ?? 0;
          const prev = last.get(p.name);
          if (!prev || frames !== prev.frames) {
            if (prev) w.__gaps[p.name] = Math.max(w.__gaps[p.name] ?? 0, now - prev.at);
            last.set(p.name, { frames, at: now });
          } else {
            w.__gaps[p.name] = Math.max(w.__gaps[p.name] ?? 0, now - prev.at);
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    void loop();
  });
}

async function stopSampler(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const w = window as unknown as { __gaps: Record<string, number>; __stop: boolean };
    w.__stop = true;
    return w.__gaps;
  });
}

test('auto topology: a third person moves the session to the SFU without video stopping; back to mesh at two', async () => {
  const [a, b, c] = await Promise.all([env.browser.newPage(), env.browser.newPage(), env.browser.newPage()]);
  const code = await createSession(a, env.server.url, 'Ada');
  await joinByLink(b, env.server.url, code, 'Bo');
  await expectMediaFlowing(a, ['Bo']);
  await expectMediaFlowing(b, ['Ada']);
  assert.equal(await room(a), 'mesh');

  await Promise.all([startSampler(a), startSampler(b)]);
  await joinByLink(c, env.server.url, code, 'Cy');
  await waitFor(async () => (await room(a)) === 'sfu' && (await room(b)) === 'sfu' && (await room(c)) === 'sfu', {
    timeoutMs: 20_000,
    what: 'everyone on the SFU',
  });
  await expectMediaFlowing(c, ['Ada', 'Bo']);
  await expectMediaFlowing(a, ['Bo', 'Cy']);
  await expectMediaFlowing(b, ['Ada', 'Cy']);
  const [gapsA, gapsB] = await Promise.all([stopSampler(a), stopSampler(b)]);
  assert.ok(gapsA.Bo! <= 2000, `Ada's video of Bo stalled ${Math.round(gapsA.Bo!)} ms during the move`);
  assert.ok(gapsB.Ada! <= 2000, `Bo's video of Ada stalled ${Math.round(gapsB.Ada!)} ms during the move`);

  // Cy leaves: two people go back to peer to peer.
  await c.getByRole('button', { name: 'Leave session' }).click();
  await waitFor(async () => (await room(a)) === 'mesh' && (await room(b)) === 'mesh', { timeoutMs: 20_000, what: 'back to mesh' });
  await expectMediaFlowing(a, ['Bo']);
  await expectMediaFlowing(b, ['Ada']);
  await Promise.all([a, b, c].map((p) => p.context().close()));
});
