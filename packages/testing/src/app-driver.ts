import type { Page } from 'playwright-core';
import { waitFor } from './server.js';

/** Opens the app, enters a name and starts a new session; returns its code. */
export async function createSession(page: Page, baseUrl: string, name: string): Promise<string> {
  await page.goto(baseUrl);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'New session' }).click();
  const code = page.getByTestId('session-code');
  await code.waitFor({ timeout: 20_000 });
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
