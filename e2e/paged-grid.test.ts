import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@lectern/protocol';
import { createSession, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

const env = useServerAndBrowser({ before, after }, () => startTestServer({ maxParticipants: 20 }));

/** A participant that only signals (no media): enough to make a tile. */
async function signalingOnly(url: string, code: string, name: string): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + 'ws');
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const joined = new Promise<void>((resolve, reject) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string };
      if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'join', code, name, media: { muted: true, cameraOff: true } }));
      if (m.type === 'joined') resolve();
      if (m.type === 'join-error') reject(new Error(String(data)));
    }),
  );
  ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION }));
  await joined;
  return ws;
}

test('a large session is paged: nine tiles a page, Next and Previous move between pages', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const code = await createSession(page, env.server.url, 'Host');
  const others = await Promise.all(Array.from({ length: 11 }, (_, i) => signalingOnly(env.server.url, code, `Student ${i + 1}`)));
  try {
    const tiles = page.locator('section[aria-label="Participants"] [data-testid="tile"]');
    await waitFor(async () => (await page.getByTestId('page-indicator').textContent()) === 'Page 1 of 2', { what: 'two pages for twelve people' });
    assert.equal(await tiles.count(), 9);
    await page.getByRole('button', { name: 'Next page of participants' }).click();
    await waitFor(async () => (await tiles.count()) === 3, { what: 'the three on page two' });
    assert.equal(await page.getByTestId('page-indicator').textContent(), 'Page 2 of 2');
    assert.ok(await page.getByRole('button', { name: 'Next page of participants' }).isDisabled());
    // People leaving shrink the pages; the view moves back rather than showing an empty page.
    for (const ws of others.slice(0, 4)) ws.close();
    await waitFor(async () => (await page.getByTestId('page-indicator').count()) === 0 && (await tiles.count()) === 8, { what: 'one page again' });
  } finally {
    for (const ws of others) ws.close();
    await page.context().close();
  }
});
