import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  chatMessages,
  createSession,
  joinByLink,
  launchBrowser,
  openChat,
  remoteTileNames,
  sendChat,
  spawnServer,
  startTestServer,
  waitFor,
  type TestBrowser,
  type TestServer,
} from '@lectern/testing';

let browser: TestBrowser;
let server: TestServer;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lectern-e2e-chat-'));
  server = await startTestServer({ dataDir });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const texts = async (page: Page) => (await chatMessages(page)).map((m) => m.text);

async function waitForTexts(page: Page, expected: string[], what: string): Promise<void> {
  await waitFor(async () => (await texts(page)).join('\n') === expected.join('\n'), { timeoutMs: 15_000, what: `${what}: ${expected.join(' | ')}` });
}

test('chat: three people see the same order, a late joiner gets the history, private stays private, markup stays text', async () => {
  const [a, b, c] = await Promise.all([browser.newPage(), browser.newPage(), browser.newPage()]);
  const code = await createSession(a, server.url, 'Ada');
  await joinByLink(b, server.url, code, 'Bo');
  await joinByLink(c, server.url, code, 'Cy');
  await waitFor(async () => (await remoteTileNames(a)).length === 2, { what: 'everyone in' });

  // Bo's panel stays closed: messages from others raise an unread badge.
  await Promise.all([openChat(a), openChat(c)]);
  // Everyone types at once; the server decides one order.
  await Promise.all([
    (async () => {
      for (const t of ['a1', 'a2', 'a3']) await sendChat(a, t);
    })(),
    (async () => {
      for (const t of ['c1', 'c2', 'c3']) await sendChat(c, t);
    })(),
    b.evaluate(() => {
      // Through the SDK, as an embedding app would.
      const room = (window as unknown as { lectern: { room: { chat: { send(t: string): void } } } }).lectern.room;
      for (const t of ['b1', 'b2', 'b3']) room.chat.send(t);
    }),
  ]);
  await waitFor(async () => (await chatMessages(a)).filter((m) => m.state === 'sent').length === 9, { what: 'nine messages at Ada' });
  const order = await chatMessages(a);
  assert.deepEqual(
    order.map((m) => m.seq),
    ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
  );
  // Each sender's own messages keep their typed order.
  for (const p of ['a', 'b', 'c']) {
    assert.deepEqual(
      order.map((m) => m.text).filter((t) => t.startsWith(p)),
      [`${p}1`, `${p}2`, `${p}3`],
    );
  }
  const unread = b.getByTestId('chat-unread');
  await waitFor(async () => (await unread.textContent()) === '6', { what: 'six unread at Bo (three each from Ada and Cy)' });
  assert.ok(await b.getByRole('button', { name: 'Open chat, 6 unread' }).isVisible());
  await openChat(b);
  assert.equal(await unread.count(), 0, 'the badge goes when the panel opens');
  await waitForTexts(b, order.map((m) => m.text), 'Bo sees the same order');
  await waitForTexts(c, order.map((m) => m.text), 'Cy sees the same order');

  // A private message reaches Bo only.
  await sendChat(a, 'for Bo only', 'Bo');
  await waitFor(async () => (await texts(b)).includes('for Bo only'), { what: 'Bo gets the private message' });
  const atBo = (await chatMessages(b)).find((m) => m.text === 'for Bo only')!;
  assert.ok(atBo.private);
  // Markup is text: the payload shows literally and never runs.
  const xss = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>';
  await sendChat(c, xss);
  await waitFor(async () => (await texts(b)).includes(xss), { what: 'the payload as text at Bo' });
  for (const page of [a, b, c]) {
    assert.equal(await page.locator('[data-testid="chat-list"] img, [data-testid="chat-list"] script').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  }
  // Links are links, opened safely.
  await sendChat(b, 'notes at https://example.org/notes?x=1.');
  const link = a.locator('[data-testid="chat-list"] a', { hasText: 'https://example.org/notes?x=1' });
  await link.waitFor();
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('href'), 'https://example.org/notes?x=1');
  await waitFor(async () => (await texts(c)).includes(xss) && (await texts(c)).at(-1)!.startsWith('notes at'), { what: 'Cy caught up' });
  assert.ok(!(await texts(c)).includes('for Bo only'), 'Cy never sees the private message');

  // Dee joins late and sees the history without the private message.
  const d = await browser.newPage();
  await joinByLink(d, server.url, code, 'Dee');
  await openChat(d);
  await waitForTexts(d, await texts(c), 'Dee sees the history');

  // Too long: a clear error in the UI, and nothing is sent.
  await d.getByLabel('Message', { exact: true }).fill('x'.repeat(4001));
  await d.getByText('Too long: 4,001 of 4,000 characters.').waitFor();
  assert.ok(await d.getByRole('button', { name: 'Send message' }).isDisabled());
  await Promise.all([a, b, c, d].map((p) => p.context().close()));
});

test('chat: a message typed while the server is down is sending…, then arrives exactly once after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lectern-e2e-chat-restart-'));
  const args = ['--http', '--host', '127.0.0.1', '--data-dir', dir];
  const first = await spawnServer([...args, '--port', '0']);
  let second: Awaited<ReturnType<typeof spawnServer>> | null = null;
  const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
  try {
    const code = await createSession(a, first.url, 'Ada');
    await joinByLink(b, first.url, code, 'Bo');
    await Promise.all([openChat(a), openChat(b)]);
    await sendChat(a, 'before the crash');
    await waitForTexts(b, ['before the crash'], 'delivered before the crash');

    await first.kill('SIGKILL');
    await a.getByTestId('reconnecting').waitFor({ timeout: 10_000 });
    await sendChat(a, 'typed while down');
    const pending = (await chatMessages(a)).find((m) => m.text === 'typed while down')!;
    assert.equal(pending.state, 'sending');
    assert.ok(await a.getByText('sending…').isVisible());

    second = await spawnServer([...args, '--port', String(first.port)]);
    await waitFor(async () => (await chatMessages(a)).every((m) => m.state === 'sent'), { timeoutMs: 30_000, what: 'Ada’s message confirmed' });
    await waitForTexts(b, ['before the crash', 'typed while down'], 'Bo gets it once');
    await waitForTexts(a, ['before the crash', 'typed while down'], 'Ada shows it once');
    // Reload Bo: the history from the database holds each message exactly once.
    await b.reload();
    await b.getByLabel('Your name').fill('Bo');
    await b.getByRole('button', { name: 'Join session' }).click();
    await openChat(b);
    await waitForTexts(b, ['before the crash', 'typed while down'], 'history after the restart');
    assert.deepEqual(
      (await chatMessages(b)).map((m) => m.seq),
      ['1', '2'],
    );
  } finally {
    await Promise.all([a.context().close(), b.context().close()]);
    await second?.kill('SIGTERM');
    await first.kill('SIGKILL').catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});
