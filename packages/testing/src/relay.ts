import type { Page } from 'playwright-core';
import { createSession, joinByLink } from './app-driver.js';
import { expectMediaFlowing, remoteMedia, type TestBrowser } from './browser.js';

/**
 * Two browsers that may use nothing but the TURN relay (`?ice=relay`, iceTransportPolicy
 * "relay") in one session: resolves once each decodes the other's video and hears its audio,
 * and both selected candidate pairs are relayed. Throws otherwise.
 */
export async function relayOnlyCall(browser: TestBrowser, baseUrl: string): Promise<{ alice: Page; bob: Page }> {
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  const code = await createSession(alice, `${baseUrl}?ice=relay`, 'Alice');
  await joinByLink(bob, baseUrl, code, 'Bob', '?ice=relay');
  await expectMediaFlowing(alice, ['Bob'], 60_000);
  await expectMediaFlowing(bob, ['Alice'], 60_000);
  for (const page of [alice, bob]) {
    const [peer] = await remoteMedia(page);
    if (peer?.localCandidateType !== 'relay') throw new Error(`the selected candidate pair is ${peer?.localCandidateType ?? 'missing'}, not relayed`);
  }
  return { alice, bob };
}
