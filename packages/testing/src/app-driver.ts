import type { Page } from 'playwright-core';
import { waitFor } from './server.js';

/** Opens the app, enters a name and starts a new session; returns its code. */
export async function createSession(page: Page, baseUrl: string, name: string): Promise<string> {
  await page.goto(baseUrl);
  await page.getByLabel('Your name').fill(name);
  const create = page.getByRole('button', { name: 'New session' });
  await waitFor(() => create.isEnabled(), { what: 'the New session button to be enabled' });
  await create.click();
  const code = page.getByTestId('session-code');
  try {
    await code.waitFor({ timeout: 20_000 });
  } catch (err) {
    // Say what the page said, so a failure in CI explains itself.
    const alerts = await page.getByRole('alert').allTextContents().catch(() => []);
    throw new Error(`no session code after "New session"; the page shows: ${alerts.join(' | ') || '(no error)'}`, { cause: err });
  }
  return (await code.textContent())!.trim();
}

/** Opens a session's link (plus `search`, e.g. `?ice=relay`), waits for the pre-join screen and joins under `name`. */
export async function joinByLink(page: Page, baseUrl: string, code: string, name: string, search = ''): Promise<void> {
  await page.goto(`${new URL(code, baseUrl).toString()}${search}`);
  await page.getByLabel('Your name').fill(name);
  const join = page.getByRole('button', { name: 'Join session' });
  await waitFor(() => join.isEnabled(), { what: 'the Join button to be enabled' });
  await join.click();
  await page.getByRole('button', { name: 'Leave session' }).waitFor({ timeout: 20_000 });
}

/** Names on the remote tiles of a page. */
export async function remoteTileNames(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="tile"]:not(.local) .name', (els) => els.map((e) => e.textContent ?? '').sort());
}

/** The call's layout on a page: "grid", or "presenter" while a shared screen is shown large. */
export function callLayout(page: Page): Promise<string | null> {
  return page.locator('main.call').getAttribute('data-layout');
}

/** Waits until a page's call shows `want`. */
export async function waitForLayout(page: Page, want: 'grid' | 'presenter', who: string): Promise<void> {
  await waitFor(async () => (await callLayout(page)) === want, { what: `${who}: ${want} layout` });
}

/** The id of the participant whose screen is large on the page, or null. */
export function screenStageOwner(page: Page): Promise<string | null> {
  return page.evaluate(() => document.querySelector('[data-testid="screen-stage"]')?.getAttribute('data-participant-id') ?? null);
}

/** The participant id of the page's own user. */
export function ownParticipantId(page: Page): Promise<string> {
  return page.evaluate(() => (window.lectern!.room as unknown as { localParticipant: { id: string } }).localParticipant.id);
}

/** Waits until the large shared screen's video element shows frames. */
export async function expectStageFrames(page: Page, who: string): Promise<void> {
  await waitFor(
    () => page.evaluate(() => ((document.querySelector('[data-testid="screen-video"]') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0),
    { what: `${who}: the large screen shows frames` },
  );
}

/** One chat message as a page shows it. */
export interface ShownChatMessage {
  seq: string;
  state: string;
  from: string;
  text: string;
  private: boolean;
}

/** Opens the chat panel (no-op when open). */
export async function openChat(page: Page): Promise<void> {
  const list = page.getByTestId('chat-list');
  if (await list.isVisible()) return;
  await page.getByRole('button', { name: /^Open chat/ }).click();
  await list.waitFor();
}

/** Types a chat message and presses Enter; `to` is a participant's name for a private one. */
export async function sendChat(page: Page, text: string, to?: string): Promise<void> {
  await openChat(page);
  const recipient = page.getByLabel('Send to');
  if (to) await recipient.selectOption({ label: `${to} (private)` });
  else if ((await recipient.inputValue()) !== '') await recipient.selectOption({ label: 'Everyone' });
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** The chat messages on a page, in the order shown. */
export async function chatMessages(page: Page): Promise<ShownChatMessage[]> {
  return page.$$eval('[data-testid="chat-message"]', (els) =>
    els.map((el) => ({
      seq: el.getAttribute('data-seq') ?? '',
      state: el.getAttribute('data-state') ?? '',
      from: el.querySelector('.chat-from')?.textContent ?? '',
      text: el.querySelector('[data-testid="chat-text"]')?.textContent ?? '',
      private: el.classList.contains('private'),
    })),
  );
}
