import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, expectMediaFlowing, joinByLink, startTestServer, useServerAndBrowser } from '@lectern/testing';

// The default configuration: HTTPS with the generated self-signed certificate.
const env = useServerAndBrowser({ before, after }, () => startTestServer({ http: false }));

test('(a) one creates, the other joins by code over HTTPS, and each decodes the other', async () => {
  assert.ok(env.server.url.startsWith('https://'), 'served over HTTPS by default');
  const alice = await env.browser.newPage();
  const bob = await env.browser.newPage();
  const code = await createSession(alice, env.server.url, 'Alice');
  assert.match(code, /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  assert.equal(new URL(alice.url()).pathname, `/${code}`, 'the address bar holds the shareable link');

  // Bob types the code on the home page.
  await bob.goto(env.server.url);
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
