import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callLayout,
  createSession,
  expectMediaFlowing,
  expectScreenFlowing,
  expectStageFrames,
  joinByLink,
  ownParticipantId,
  screenStageOwner,
  startTestServer,
  useServerAndBrowser,
  waitFor,
  waitForLayout,
} from '@lectern/testing';

// Apart from screen-share.test.ts so each file stays well inside the per-file time limit on a
// loaded machine. Chromium's default test flags make getDisplayMedia capture a fake screen.
const env = useServerAndBrowser({ before, after }, () => startTestServer());

/** Runs in the page: getDisplayMedia with the app's options, but at most 960×540 and 10 fps. */
function smallerScreens(): void {
  const devices = navigator.mediaDevices;
  const real = devices.getDisplayMedia.bind(devices);
  devices.getDisplayMedia = (options?: DisplayMediaStreamOptions) =>
    real({ ...options, video: { width: { max: 960 }, height: { max: 540 }, frameRate: { max: 10 } } });
}

test('two people share at once: each sees the other, and a viewer picks which screen is large', async () => {
  const [a, b, c] = await Promise.all([env.browser.newPage(), env.browser.newPage(), env.browser.newPage()]);
  // The 1080p text profile is checked in screen-share.test.ts. Here two sharers would encode four
  // 1080p streams in software on a shared test machine, so their captures are asked smaller.
  for (const sharer of [a, b]) await sharer.addInitScript(smallerScreens);
  const code = await createSession(a, env.server.url, 'Ada');
  await joinByLink(b, env.server.url, code, 'Ben');
  await joinByLink(c, env.server.url, code, 'Cy');
  await expectMediaFlowing(c, ['Ada', 'Ben']);
  const [adaId, benId] = await Promise.all([ownParticipantId(a), ownParticipantId(b)]);

  // Both start at the same moment: both links renegotiate at once (glare).
  await Promise.all([a.getByRole('button', { name: 'Share screen' }).click(), b.getByRole('button', { name: 'Share screen' }).click()]);
  // Generous deadlines: four encoders and six decoders on a busy machine.
  await expectScreenFlowing(c, ['Ada', 'Ben'], 60_000);
  await expectScreenFlowing(a, ['Ben'], 60_000);
  await expectScreenFlowing(b, ['Ada'], 60_000);
  await Promise.all([waitForLayout(a, 'presenter', 'Ada'), waitForLayout(b, 'presenter', 'Ben'), waitForLayout(c, 'presenter', 'Cy')]);
  assert.equal(await screenStageOwner(a), benId, 'Ada sees Ben’s screen');
  assert.equal(await screenStageOwner(b), adaId, 'Ben sees Ada’s screen');

  // Cy chooses.
  const picker = c.getByRole('group', { name: 'Choose which shared screen to show large' });
  await picker.waitFor();
  for (const [name, id] of [['Ada', adaId], ['Ben', benId], ['Ada', adaId]] as const) {
    const choice = picker.getByRole('button', { name: `Show ${name}'s screen` });
    await choice.click();
    await waitFor(async () => (await screenStageOwner(c)) === id, { what: `${name}'s screen large at Cy` });
    assert.equal(await choice.getAttribute('aria-pressed'), 'true');
    await expectStageFrames(c, `Cy watching ${name}`);
  }

  // Ada stops: Cy's stage falls back to Ben's screen, without a picker; Ben returns to the grid.
  await a.getByRole('button', { name: 'Stop sharing screen' }).click();
  await waitFor(async () => (await screenStageOwner(c)) === benId, { what: 'Ben’s screen large at Cy after Ada stopped' });
  await waitFor(async () => (await picker.count()) === 0, { what: 'the picker gone with one share left' });
  await waitForLayout(b, 'grid', 'Ben');
  assert.equal(await callLayout(a), 'presenter', 'Ada still sees Ben’s screen');

  await b.getByRole('button', { name: 'Stop sharing screen' }).click();
  await Promise.all([waitForLayout(a, 'grid', 'Ada'), waitForLayout(c, 'grid', 'Cy')]);
  await Promise.all([a.context().close(), b.context().close(), c.context().close()]);
});
