import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createSession, expectMediaFlowing, joinByLink, remoteMedia, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

// Every session goes through the server's SFU.
const env = useServerAndBrowser({ before, after }, () => startTestServer({ topology: 'sfu', sfuPort: 0 }));

async function audioFrom(page: Page, name: string): Promise<number> {
  return (await remoteMedia(page)).find((m) => m.name === name)?.audioPacketsReceived ?? 0;
}

test('SFU: a host mute holds at the server even when the muted browser keeps sending; only the participant lifts it', async () => {
  const [ana, ben, cleo] = await Promise.all([1, 2, 3].map(() => env.browser.newPage()));
  const code = await createSession(ana!, env.server.url, 'Ana');
  await joinByLink(ben!, env.server.url, code, 'Ben');
  await joinByLink(cleo!, env.server.url, code, 'Cleo');
  await expectMediaFlowing(ana!, ['Ben', 'Cleo'], 45_000);

  await ana!.getByRole('button', { name: 'Host controls for Ben' }).click();
  await ana!.getByRole('button', { name: 'Mute Ben' }).click();
  await ben!.getByTestId('moderation-notice').filter({ hasText: 'Ana muted you' }).waitFor();
  // A rogue client: Ben's browser turns its microphone back on behind the server's back.
  await ben!.evaluate(() => {
    const media = (window as unknown as { lectern: { media: { audioTrack: MediaStreamTrack | null } } }).lectern.media;
    media.audioTrack!.enabled = true;
  });
  const benBefore = await audioFrom(ana!, 'Ben');
  const cleoBefore = await audioFrom(ana!, 'Cleo');
  // Cleo's audio is the clock: three seconds' worth of her packets arrive, and none of Ben's.
  await waitFor(async () => (await audioFrom(ana!, 'Cleo')) >= cleoBefore + 150, { timeoutMs: 30_000, what: "Cleo's audio to keep arriving" });
  assert.ok((await audioFrom(ana!, 'Ben')) <= benBefore + 5, 'the SFU forwards none of the muted audio');

  // Ben unmutes himself: the server forwards him again.
  await ben!.getByRole('button', { name: 'Unmute microphone' }).click();
  await expectMediaFlowing(ana!, ['Ben'], 30_000);
  await Promise.all([ana, ben, cleo].map((p) => p!.context().close()));
});
