import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  callLayout,
  createSession,
  expectMediaFlowing,
  expectScreenFlowing,
  expectStageFrames,
  joinByLink,
  ownParticipantId,
  recordPeerConnections,
  remoteMedia,
  screenSenderPlis,
  screenStageOwner,
  startTestServer,
  useServerAndBrowser,
  waitFor,
  waitForLayout,
  type TestServer,
} from '@lectern/testing';

// Screen sharing when media goes through the server's SFU (the mesh cases are in screen-share.test.ts).
const env = useServerAndBrowser({ before, after }, () => startTestServer({ topology: 'sfu', sfuPort: 0 }));
/** A second server in `auto`: mesh for two, the SFU from three on. */
let auto: TestServer | null = null;
before(async () => {
  auto = await startTestServer({ topology: 'auto', sfuThreshold: 2, sfuPort: 0 });
});
after(async () => {
  await auto?.close();
});

/** Frames of the presenter's screen decoded by `page` so far. */
async function screenFrames(page: Page, name: string): Promise<number> {
  return (await remoteMedia(page)).find((m) => m.name === name)?.screenFramesDecoded ?? 0;
}

test('SFU: a shared screen reaches both viewers as decoded video, switches them to the presenter layout, and stopping restores the grid', async () => {
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => env.browser.newPage({ viewport: { width: 1000, height: 700 } })));
  await recordPeerConnections(a!);
  const code = await createSession(a!, env.server.url, 'Presenter');
  await joinByLink(b!, env.server.url, code, 'Viewer');
  await joinByLink(c!, env.server.url, code, 'Other');
  const viewers = [b!, c!];
  await Promise.all(viewers.map((v) => expectMediaFlowing(v, ['Presenter'])));
  assert.equal(await a!.evaluate(() => (window.lectern!.room as unknown as { topology: string }).topology), 'sfu');
  const presenterId = await ownParticipantId(a!);

  await a!.getByRole('button', { name: 'Share screen' }).click();
  await a!.getByTestId('sharing-banner').waitFor();
  for (const [i, v] of viewers.entries()) {
    await waitForLayout(v, 'presenter', `viewer ${i}`);
    assert.equal(await screenStageOwner(v), presenterId);
    await expectScreenFlowing(v, ['Presenter']);
    await expectStageFrames(v, `viewer ${i}`);
    // Decoded frames keep rising: the stream goes on, not just its first keyframe.
    const before = await screenFrames(v, 'Presenter');
    await waitFor(async () => (await screenFrames(v, 'Presenter')) > before + 5, { timeoutMs: 20_000, what: `viewer ${i}: screen frames rising` });
    const seen = (await remoteMedia(v)).find((m) => m.name === 'Presenter')!;
    assert.ok(seen.screenFrameWidth > seen.frameWidth, `the screen (${seen.screenFrameWidth} px) is sharper than the camera (${seen.frameWidth} px)`);
  }
  // The screen comes in addition to the camera, and the sharer keeps its grid.
  await Promise.all(viewers.map((v) => expectMediaFlowing(v, ['Presenter'])));
  assert.equal(await callLayout(a!), 'grid');
  // Keyframe requests reach the screen's own encoder (a PLI for the screen's SSRC on its m-line).
  assert.ok((await screenSenderPlis(a!)) > 0, 'the screen sender received keyframe requests');

  // Stop: back to the grid everywhere.
  await a!.getByRole('button', { name: 'Stop sharing screen' }).click();
  for (const [i, v] of viewers.entries()) await waitForLayout(v, 'grid', `viewer ${i} after stop`);
  assert.equal(await b!.getByTestId('screen-stage').count(), 0);
  assert.equal(await a!.getByTestId('sharing-banner').count(), 0);

  // Share again on the same m-line: the screen comes back (the SFU asks for a keyframe).
  await a!.getByRole('button', { name: 'Share screen' }).click();
  await waitForLayout(b!, 'presenter', 'viewer, second share');
  await expectScreenFlowing(b!, ['Presenter']);
  await expectStageFrames(b!, 'viewer, second share');
  await a!.getByRole('button', { name: 'Stop sharing screen' }).click();
  await waitForLayout(b!, 'grid', 'viewer after the second stop');
  await expectMediaFlowing(b!, ['Presenter']);
  await Promise.all([a, b, c].map((p) => p!.context().close()));
});

test('auto: a screen shared peer to peer keeps showing when a third person moves the session to the SFU, and reaches the newcomer', async () => {
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => env.browser.newPage({ viewport: { width: 1000, height: 700 } })));
  const code = await createSession(a!, auto!.url, 'Presenter');
  await joinByLink(b!, auto!.url, code, 'Viewer');
  await expectMediaFlowing(b!, ['Presenter']);
  await a!.getByRole('button', { name: 'Share screen' }).click();
  await waitForLayout(b!, 'presenter', 'viewer in mesh');
  await expectScreenFlowing(b!, ['Presenter']);
  const topology = (p: Page) => p.evaluate(() => (window.lectern!.room as unknown as { topology: string }).topology);
  assert.equal(await topology(b!), 'mesh');

  await joinByLink(c!, auto!.url, code, 'Latecomer');
  await waitFor(async () => (await topology(b!)) === 'sfu' && (await topology(a!)) === 'sfu', { timeoutMs: 30_000, what: 'the move to the SFU' });
  for (const [who, v] of [['viewer', b!], ['latecomer', c!]] as const) {
    await waitForLayout(v, 'presenter', `${who} through the SFU`);
    await expectScreenFlowing(v, ['Presenter']);
    await expectStageFrames(v, `${who} through the SFU`);
  }
  await a!.getByRole('button', { name: 'Stop sharing screen' }).click();
  for (const v of [b!, c!]) await waitForLayout(v, 'grid', 'after stop');
  await Promise.all([a, b, c].map((p) => p!.context().close()));
});
