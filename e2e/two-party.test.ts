import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, expectMediaFlowing, joinByLink, launchBrowser, startTestServer, type TestBrowser, type TestServer } from '@lectern/testing';

let server: TestServer;
let browser: TestBrowser;

before(async () => {
  // The default configuration: HTTPS with the generated self-signed certificate.
  server = await startTestServer({ http: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('(a) one creates, the other joins by code over HTTPS, and each decodes the other', async () => {
  assert.ok(server.url.startsWith('https://'), 'served over HTTPS by default');
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  const code = await createSession(alice, server.url, 'Alice');
  assert.match(code, /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  assert.equal(new URL(alice.url()).pathname, `/${code}`, 'the address bar holds the shareable link');

  // Bob types the code on the home page.
  await bob.goto(server.url);
  await bob.getByLabel('Session code').fill(code.toUpperCase().replace(/-/g, ' '));
  await bob.getByRole('button', { name: 'Join', exact: true }).click();
  await bob.getByRole('meter', { name: 'Microphone level' }).waitFor();
  await bob.getByLabel('Your name').fill('Bob');
  await bob.getByRole('button', { name: 'Join session' }).click();

  await expectMediaFlowing(alice, ['Bob']);
  await expectMediaFlowing(bob, ['Alice']);
  for (const [page, other] of [[alice, 'Bob'], [bob, 'Alice']] as const) {
    const width = await page.locator(`[data-testid="tile"]:not(.local) video`).evaluate((v: HTMLVideoElement) => v.videoWidth);
    assert.ok(width > 0, `${other}'s video element shows frames`);
    assert.equal(await page.locator('[data-testid="tile"]:not(.local) .name').textContent(), other);
  }
  void joinByLink; // (the link path is covered by the four-party test)
});
