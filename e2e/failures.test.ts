import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, remoteMedia, startTestServer, waitFor, useServerAndBrowser } from '@lectern/testing';

const env = useServerAndBrowser({ before, after }, () => startTestServer());

test('camera denied: the joiner is told in plain words and joins audio-only; others hear them', async () => {
  const host = await env.browser.newPage();
  const guest = await env.browser.newPage();
  // The browser refuses the camera the way it does when a person clicks "Block".
  await guest.addInitScript(() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c?: MediaStreamConstraints) =>
      c?.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(c);
  });
  const code = await createSession(host, env.server.url, 'Host');
  await guest.goto(new URL(code, env.server.url).toString());
  const notice = guest.getByRole('status').filter({ hasText: 'camera' });
  await notice.waitFor();
  assert.match((await notice.textContent()) ?? '', /camera was blocked.*audio only/i);
  await guest.getByLabel('Your name').fill('NoCam');
  await guest.getByRole('button', { name: 'Join session' }).click();
  const tile = host.locator('[data-testid="tile"]:not(.local)');
  await waitFor(async () => (await tile.getAttribute('data-camera-off')) === 'true', { what: 'camera-off shown to the host' });
  await waitFor(
    async () => {
      const m = (await remoteMedia(host)).find((x) => x.name === 'NoCam');
      return m && m.audioPacketsReceived > 20;
    },
    { what: 'the host receives NoCam\'s audio' },
  );
  await Promise.all([host.context().close(), guest.context().close()]);
});

test('a browser without WebRTC gets a plain-words message, not a blank page', async () => {
  const page = await env.browser.newPage();
  await page.addInitScript(() => {
    delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
  });
  await page.goto(env.server.url);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /cannot make video calls/i);
  await page.context().close();
});
