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
  screenStageOwner,
  startTestServer,
  useServerAndBrowser,
  waitForLayout,
} from '@lectern/testing';

// Chromium's flags from DESIGN.md §6 suffice: with --use-fake-ui-for-media-stream and
// --use-fake-device-for-media-stream, getDisplayMedia skips the picker and captures a fake
// 1920×1080 "screen" (with fake audio), so no extra switches are needed.
const env = useServerAndBrowser({ before, after }, () => startTestServer());

test('a shared screen arrives as decoded video, switches everyone to the presenter layout, and stopping (button or browser bar) restores the grid', async () => {
  const [a, b] = await Promise.all([env.browser.newPage(), env.browser.newPage()]);
  await recordPeerConnections(a);
  const code = await createSession(a, env.server.url, 'Presenter');
  await joinByLink(b, env.server.url, code, 'Viewer');
  await expectMediaFlowing(b, ['Presenter']);
  assert.equal(await callLayout(b), 'grid');
  const presenterId = await ownParticipantId(a);

  await a.getByRole('button', { name: 'Share screen' }).click();
  await a.getByTestId('sharing-banner').waitFor();
  assert.equal(await a.getByRole('button', { name: 'Stop sharing screen' }).getAttribute('aria-pressed'), 'true');

  await waitForLayout(b, 'presenter', 'viewer');
  assert.equal(await screenStageOwner(b), presenterId);
  await expectScreenFlowing(b, ['Presenter']);
  await expectStageFrames(b, 'viewer');
  // The screen comes in addition to the camera, not instead of it.
  await expectMediaFlowing(b, ['Presenter']);
  const seen = (await remoteMedia(b)).find((m) => m.name === 'Presenter')!;
  assert.ok(seen.screenAudioPacketsReceived > 0, 'the screen audio offered by the browser is received');
  assert.ok(seen.screenFrameWidth > seen.frameWidth, `the screen (${seen.screenFrameWidth} px) is sharper than the camera (${seen.frameWidth} px)`);
  // The sharer keeps the grid (no hall of mirrors) and the camera strip stays at the viewer.
  assert.equal(await callLayout(a), 'grid');
  assert.equal(await b.locator('.strip [data-testid="tile"]').count(), 2);

  // The screen is sent with the profile meant for text.
  const profile = await a.evaluate(async () => {
    const screen = (window.lectern!.room as unknown as { localScreen: { video: MediaStreamTrack } }).localScreen.video;
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const sender = pcs.flatMap((pc) => pc.getSenders()).find((s) => s.track === screen);
    const p = sender?.getParameters();
    return { hint: screen.contentHint, settings: screen.getSettings(), degradation: p?.degradationPreference, encoding: p?.encodings[0] };
  });
  assert.equal(profile.hint, 'detail');
  assert.equal(profile.degradation, 'maintain-resolution');
  assert.equal(profile.encoding?.maxBitrate, 2_500_000);
  assert.ok((profile.settings.frameRate ?? 99) <= 15 && (profile.settings.width ?? 9999) <= 1920, JSON.stringify(profile.settings));

  // A latecomer learns of the share from the server and gets the screen too.
  const c = await env.browser.newPage();
  await joinByLink(c, env.server.url, code, 'Latecomer');
  await waitForLayout(c, 'presenter', 'latecomer');
  await expectScreenFlowing(c, ['Presenter']);
  await c.context().close();

  // Stop with the button: back to the grid.
  await a.getByRole('button', { name: 'Stop sharing screen' }).click();
  await waitForLayout(b, 'grid', 'viewer after stop');
  assert.equal(await b.getByTestId('screen-stage').count(), 0);
  assert.equal(await a.getByTestId('sharing-banner').count(), 0);
  assert.equal(await a.evaluate(() => (window.lectern!.room as unknown as { localScreen: unknown }).localScreen), null);

  // Share again (the same transceivers carry a new capture), then stop from the browser's own
  // "Stop sharing" bar: the browser ends the track and fires `ended`.
  await a.getByRole('button', { name: 'Share screen' }).click();
  await waitForLayout(b, 'presenter', 'viewer, second share');
  await expectScreenFlowing(b, ['Presenter']);
  await expectStageFrames(b, 'viewer, second share');
  await a.evaluate(() => {
    const track = (window.lectern!.room as unknown as { localScreen: { video: MediaStreamTrack } }).localScreen.video;
    track.stop();
    track.dispatchEvent(new Event('ended'));
  });
  await waitForLayout(b, 'grid', 'viewer after the browser ended the share');
  await a.getByRole('button', { name: 'Share screen' }).waitFor();
  assert.equal(await a.getByTestId('sharing-banner').count(), 0);
  await expectMediaFlowing(b, ['Presenter']);
  await Promise.all([a.context().close(), b.context().close()]);
});

test('sharing that cannot start says why in plain words, at phone width and from the keyboard', async () => {
  const page = await env.browser.newPage({ viewport: { width: 390, height: 844 } });
  // The person closes the picker: Chromium rejects with NotAllowedError.
  await page.addInitScript(() => {
    navigator.mediaDevices.getDisplayMedia = () => Promise.reject(new DOMException('Permission denied by user', 'NotAllowedError'));
  });
  await createSession(page, env.server.url, 'Phone');
  const share = page.getByRole('button', { name: 'Share screen' });
  assert.ok(await share.isVisible(), 'the control is on screen at phone width');
  await share.focus();
  await page.keyboard.press('Enter');
  const notice = page.getByRole('status').filter({ hasText: 'Screen sharing did not start' });
  await notice.waitFor();
  assert.match((await notice.textContent()) ?? '', /picker was closed/);
  assert.equal(await callLayout(page), 'grid');
  assert.equal(await page.getByTestId('sharing-banner').count(), 0);

  // A browser without getDisplayMedia (most phones).
  await page.getByRole('button', { name: 'Dismiss notice' }).click();
  await page.evaluate(() => {
    (navigator.mediaDevices as { getDisplayMedia?: unknown }).getDisplayMedia = undefined;
  });
  await share.click();
  const unsupported = page.getByRole('status').filter({ hasText: 'cannot share its screen' });
  await unsupported.waitFor();
  assert.match((await unsupported.textContent()) ?? '', /Phones and tablets/);
  await page.context().close();
});
