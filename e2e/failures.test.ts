import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, launchBrowser, remoteMedia, startTestServer, waitFor, type TestBrowser, type TestServer } from '@lectern/testing';

let server: TestServer;
let browser: TestBrowser;

before(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('camera denied: the joiner is told in plain words and joins audio-only; others hear them', async () => {
  const host = await browser.newPage();
  const guest = await browser.newPage();
  // The browser refuses the camera the way it does when a person clicks "Block".
  await guest.addInitScript(() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c?: MediaStreamConstraints) =>
      c?.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(c);
  });
  const code = await createSession(host, server.url, 'Host');
  await guest.goto(new URL(code, server.url).toString());
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
  const page = await browser.newPage();
  await page.addInitScript(() => {
    delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
  });
  await page.goto(server.url);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /cannot make video calls/i);
  await page.context().close();
});
