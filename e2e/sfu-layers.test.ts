import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createSession, expectMediaFlowing, joinByLink, remoteMedia, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

// Every session goes through the server's SFU, so the camera goes up as three simulcast layers.
const env = useServerAndBrowser({ before, after }, () => startTestServer({ topology: 'sfu', sfuPort: 0, maxParticipants: 4 }));

/** The height of the picture `page` decodes from the one other participant now. */
async function receivedHeight(page: Page): Promise<number> {
  const [m] = await remoteMedia(page);
  return m?.frameHeight ?? 0;
}

async function tileHeight(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector('[data-testid="tile"]:not(.local) video')?.getBoundingClientRect().height ?? 0);
}

test('SFU simulcast: a small tile gets ≤ 360p; enlarged, it gets ≥ 540p within 5 s', async () => {
  const ada = await env.browser.newPage({ viewport: { width: 800, height: 600 } });
  const bo = await env.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const code = await createSession(ada, env.server.url, 'Ada');
  await joinByLink(bo, env.server.url, code, 'Bo');
  // First the large tile: Ada's 720p layer must reach Bo (her encoder ramps its layers up as
  // her bandwidth estimate grows), which also proves the top layer is being sent.
  await waitFor(async () => (await receivedHeight(bo)) >= 540, { timeoutMs: 40_000, intervalMs: 250, what: 'the 720p layer in a large tile' });
  // Small window, small tile: a smaller layer.
  await bo.setViewportSize({ width: 360, height: 400 });
  await waitFor(async () => (await tileHeight(bo)) < 300, { what: 'the tile to shrink' });
  await waitFor(
    async () => {
      const h = await receivedHeight(bo);
      return h > 0 && h <= 360;
    },
    { timeoutMs: 15_000, intervalMs: 250, what: 'at most 360p in a small tile' },
  );
  const framesBefore = (await remoteMedia(bo))[0]!.framesDecoded;
  // Enlarged again: the large layer within 5 s of the tile growing.
  await bo.setViewportSize({ width: 1600, height: 1000 });
  await waitFor(async () => (await tileHeight(bo)) > 500, { what: 'the tile to grow' });
  const grownAt = Date.now();
  await waitFor(async () => (await receivedHeight(bo)) >= 540, { timeoutMs: 5_000, intervalMs: 100, what: 'at least 540p within 5 s of enlarging' });
  const tookMs = Date.now() - grownAt;
  assert.ok(tookMs <= 5_000, `switched up in ${tookMs} ms`);
  assert.ok((await remoteMedia(bo))[0]!.framesDecoded > framesBefore, 'the picture kept decoding across the switches');
  await Promise.all([ada.context().close(), bo.context().close()]);
});

test('SFU: a camera sent as H.264 reaches a VP8 sender as decoded H.264, and the other way VP8', async () => {
  const [ada, bo] = await Promise.all([env.browser.newPage(), env.browser.newPage()]);
  // `?video-codec=h264` is the SDK's videoCodec option: Ada's browser offers H.264 first.
  const code = await createSession(ada, `${env.server.url}?video-codec=h264`, 'Ada');
  await joinByLink(bo, env.server.url, code, 'Bo');
  await Promise.all([expectMediaFlowing(bo, ['Ada'], 40_000), expectMediaFlowing(ada, ['Bo'], 40_000)]);
  const codecOf = async (page: Page, name: string) => (await remoteMedia(page)).find((m) => m.name === name)?.videoCodec;
  assert.equal(await codecOf(bo, 'Ada'), 'video/H264', 'the SFU forwards H.264 as H.264');
  assert.equal(await codecOf(ada, 'Bo'), 'video/VP8');
  await Promise.all([ada.context().close(), bo.context().close()]);
});
