import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createSession, expectMediaFlowing, joinByLink, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

const env = useServerAndBrowser({ before, after }, () => startTestServer());

/** The page's own microphone: muted in the SDK, and whether the track itself is still enabled. */
function ownMicrophone(page: Page): Promise<{ muted: boolean; trackEnabled: boolean | null }> {
  return page.evaluate(() => {
    const media = (window as unknown as { lectern: { media: { muted: boolean; audioTrack: MediaStreamTrack | null } } }).lectern.media;
    return { muted: media.muted, trackEnabled: media.audioTrack?.enabled ?? null };
  });
}

/** Opens the session link and presses Join; the lobby keeps the joiner waiting. */
async function askToJoin(page: Page, code: string, name: string): Promise<void> {
  await page.goto(new URL(code, env.server.url).toString());
  await page.getByLabel('Your name').fill(name);
  const join = page.getByRole('button', { name: 'Join session' });
  await waitFor(() => join.isEnabled(), { what: 'the Join button to be enabled' });
  await join.click();
}

async function hostAction(host: Page, target: string, action: string): Promise<void> {
  await host.getByRole('button', { name: `Host controls for ${target}` }).click();
  await host.getByRole('button', { name: action }).click();
}

test('a host runs the class: mute, lobby admit and deny, hands in order, reactions, spotlight, removal that sticks', async () => {
  const [ana, ben, cleo, dan] = await Promise.all([1, 2, 3, 4].map(() => env.browser.newPage({ viewport: { width: 1000, height: 700 } })));
  const code = await createSession(ana!, env.server.url, 'Ana');
  await joinByLink(ben!, env.server.url, code, 'Ben');
  await ana!.locator('[data-testid="tile"][data-role="host"].local').waitFor();

  // Mute: Ben's client obeys (the track is disabled) and everyone sees it, with who did it.
  assert.deepEqual(await ownMicrophone(ben!), { muted: false, trackEnabled: true });
  await hostAction(ana!, 'Ben', 'Mute Ben');
  await ben!.getByTestId('moderation-notice').filter({ hasText: 'Ana muted you' }).waitFor();
  await waitFor(async () => (await ownMicrophone(ben!)).trackEnabled === false, { what: "Ben's microphone track disabled" });
  assert.equal((await ownMicrophone(ben!)).muted, true);
  await ben!.getByRole('button', { name: 'Unmute microphone' }).waitFor();
  const benOnAna = ana!.locator('[data-testid="tile"]:not(.local)', { hasText: 'Ben' });
  await waitFor(async () => (await benOnAna.getAttribute('data-muted')) === 'true', { what: 'Ben muted on the host side' });
  // Only Ben can undo it.
  await ben!.getByRole('button', { name: 'Unmute microphone' }).click();
  await waitFor(async () => (await benOnAna.getAttribute('data-muted')) === 'false', { what: 'Ben unmuted himself' });

  // Lobby: Cleo waits, the host admits her, and media flows.
  await ana!.getByRole('button', { name: 'Turn waiting room on' }).click();
  await ana!.getByRole('button', { name: 'Turn waiting room off' }).waitFor();
  await askToJoin(cleo!, code, 'Cleo');
  await cleo!.getByRole('heading', { name: 'Waiting for the host to let you in' }).waitFor({ timeout: 20_000 });
  await ana!.getByRole('button', { name: 'Admit Cleo' }).click();
  await cleo!.getByRole('button', { name: 'Leave session' }).waitFor({ timeout: 20_000 });
  await expectMediaFlowing(cleo!, ['Ana', 'Ben'], 45_000);

  // Deny: Dan is told.
  await askToJoin(dan!, code, 'Dan');
  await dan!.getByTestId('waiting-screen').waitFor({ timeout: 20_000 });
  await ana!.getByRole('button', { name: 'Deny Dan' }).click();
  await dan!.getByText('The host did not let you in.').waitFor();

  // Hands: the host's queue keeps the order they went up.
  await cleo!.getByRole('button', { name: 'Raise your hand' }).click();
  await ana!.getByTestId('hand-entry').first().waitFor();
  await ben!.getByRole('button', { name: 'Raise your hand' }).click();
  await waitFor(async () => (await ana!.getByTestId('hand-entry').count()) === 2, { what: 'two hands in the queue' });
  assert.deepEqual(await ana!.getByTestId('hand-entry').locator('.name').allTextContents(), ['Cleo', 'Ben']);
  await ben!.getByRole('button', { name: 'Lower your hand' }).waitFor();

  // Reactions show on the sender's tile for everyone; a spotlight puts one person large for all.
  // The overlay lasts four seconds: Cleo's page records it as it appears, so a slow poll cannot miss it.
  await cleo!.evaluate(() => {
    const seen: string[] = ((window as unknown as { seenReactions: string[] }).seenReactions = []);
    new MutationObserver(() => {
      document.querySelectorAll('[data-testid="tile"]:not(.local) [data-testid="tile-reaction"]').forEach((el) => seen.push(el.textContent ?? ''));
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await ben!.getByRole('button', { name: 'Send a reaction' }).click();
  await ben!.getByRole('button', { name: 'React with applause' }).click();
  await waitFor(() => cleo!.evaluate(() => (window as unknown as { seenReactions: string[] }).seenReactions.includes('👏')), {
    what: "Ben's reaction on his tile at Cleo's",
  });
  await hostAction(ana!, 'Cleo', 'Spotlight Cleo');
  const cleoId = await cleo!.evaluate(() => (window as unknown as { lectern: { room: { localParticipant: { id: string } } } }).lectern.room.localParticipant.id);
  await waitFor(async () => (await ben!.getByTestId('spotlight-stage').getAttribute('data-participant-id').catch(() => null)) === cleoId, { what: 'Cleo spotlighted on Ben’s page' });
  await cleo!.getByTestId('moderation-notice').filter({ hasText: 'Ana spotlighted you' }).waitFor();

  // Removal: Ben is told by whom, and cannot come back.
  await hostAction(ana!, 'Ben', 'Remove Ben from the session');
  await ben!.getByText('You were removed from the session by Ana').waitFor();
  await waitFor(async () => (await cleo!.locator('[data-testid="tile"]:not(.local)').count()) === 1, { what: 'Ben gone for Cleo' });
  await ben!.getByRole('button', { name: 'Rejoin' }).click();
  const join = ben!.getByRole('button', { name: 'Join session' });
  await waitFor(() => join.isEnabled(), { what: 'the Join button to be enabled' });
  await join.click();
  await ben!.getByText('You were removed from this session by a host and cannot rejoin it.').waitFor();
  await Promise.all([ana, ben, cleo, dan].map((p) => p!.context().close()));
});
