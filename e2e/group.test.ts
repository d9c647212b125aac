import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSession,
  expectMediaFlowing,
  joinByLink,
  remoteTileNames,
  startTestServer,
  waitFor,
  useServerAndBrowser,
} from '@lectern/testing';

const env = useServerAndBrowser({ before, after }, () => startTestServer());

test('(b) four browsers in one session: every one decodes every other', async () => {
  const names = ['Ana', 'Ben', 'Cleo', 'Dev'];
  const pages = await Promise.all(names.map(() => env.browser.newPage({ viewport: { width: 800, height: 600 } })));
  const code = await createSession(pages[0]!, env.server.url, names[0]!);
  for (let i = 1; i < names.length; i++) await joinByLink(pages[i]!, env.server.url, code, names[i]!);
  for (let i = 0; i < names.length; i++) {
    const others = names.filter((_, j) => j !== i);
    await expectMediaFlowing(pages[i]!, others, 45_000);
    assert.deepEqual(await remoteTileNames(pages[i]!), [...others].sort());
  }
  await Promise.all(pages.map((p) => p.context().close()));
});

test('(c) mute and camera-off show up on the other side, and undo', async () => {
  const [a, b] = await Promise.all([env.browser.newPage(), env.browser.newPage()]);
  const code = await createSession(a, env.server.url, 'Muter');
  await joinByLink(b, env.server.url, code, 'Watcher');
  await expectMediaFlowing(b, ['Muter']);
  const tile = b.locator('[data-testid="tile"]:not(.local)');
  assert.equal(await tile.getAttribute('data-muted'), 'false');

  await a.getByRole('button', { name: 'Mute microphone' }).click();
  await waitFor(async () => (await tile.getAttribute('data-muted')) === 'true', { what: 'muted on the other side' });
  await tile.getByRole('img', { name: 'Microphone muted' }).waitFor();

  await a.getByRole('button', { name: 'Turn camera off' }).click();
  await waitFor(async () => (await tile.getAttribute('data-camera-off')) === 'true', { what: 'camera off on the other side' });
  await tile.getByRole('img', { name: 'Camera off' }).waitFor();
  // The camera is really released, not just hidden.
  assert.equal(await a.evaluate(() => window.lectern?.room && (window as unknown as { lectern: { media: { videoTrack: unknown } } }).lectern.media.videoTrack), null);

  await a.getByRole('button', { name: 'Unmute microphone' }).click();
  await a.getByRole('button', { name: 'Turn camera on' }).click();
  await waitFor(async () => (await tile.getAttribute('data-muted')) === 'false' && (await tile.getAttribute('data-camera-off')) === 'false', {
    what: 'unmuted and camera on again',
  });
  // Video resumes after the camera comes back (replaceTrack, no renegotiation).
  await expectMediaFlowing(b, ['Muter']);
  await Promise.all([a.context().close(), b.context().close()]);
});

test('(d) leaving and closing the tab remove the tile everywhere', async () => {
  const [a, b, c] = await Promise.all([env.browser.newPage(), env.browser.newPage(), env.browser.newPage()]);
  const code = await createSession(a, env.server.url, 'Stayer');
  await joinByLink(b, env.server.url, code, 'Leaver');
  await joinByLink(c, env.server.url, code, 'Closer');
  await waitFor(async () => (await remoteTileNames(a)).length === 2, { what: 'two remote tiles' });

  let t0 = Date.now();
  await b.getByRole('button', { name: 'Leave session' }).click();
  await waitFor(async () => !(await remoteTileNames(a)).includes('Leaver'), { timeoutMs: 2000, intervalMs: 50, what: 'Leaver tile removed within 2 s' });
  assert.ok(Date.now() - t0 <= 2000);
  await b.getByRole('heading', { name: 'You left the session' }).waitFor();

  t0 = Date.now();
  await c.close(); // the tab closes
  await waitFor(async () => !(await remoteTileNames(a)).includes('Closer'), { timeoutMs: 2000, intervalMs: 50, what: 'Closer tile removed within 2 s' });
  assert.deepEqual(await remoteTileNames(a), []);
  await Promise.all([a.context().close(), b.context().close(), c.context().close()]);
});

test('(e) an unknown code shows a plain-words error', async () => {
  const page = await env.browser.newPage();
  await page.goto(new URL('zzz-zzzz-zzz', env.server.url).toString());
  await page.getByLabel('Your name').fill('Lost');
  await page.getByRole('button', { name: 'Join session' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /no session with that code/i);

  // A malformed code typed on the home page is caught before any request.
  await page.getByRole('button', { name: 'Back to the start page' }).click();
  await page.getByLabel('Session code').fill('not a code');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /not a session code/i);
  await page.context().close();
});
