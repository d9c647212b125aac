import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fileProgress, fileTransfers, recordFileProgress, startTestServer, twoInSession, useServerAndBrowser, waitFor, type TestServer } from '@lectern/testing';

const env = useServerAndBrowser({ before, after }, () => startTestServer());
/** A second server whose sessions all go through the SFU: files then take an on-demand peer-to-peer data connection. */
let sfu: TestServer | null = null;
const MiB = 1024 * 1024;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lectern-files-'));
  sfu = await startTestServer({ topology: 'sfu', sfuPort: 0 });
});
after(async () => {
  await sfu?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A sparse file of `size` zero bytes: big enough to still be running when a test interrupts it. */
async function bigFile(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  const fh = await open(path, 'w');
  await fh.truncate(size);
  await fh.close();
  return path;
}

function row(page: Page) {
  return page.getByTestId('transfer');
}

async function waitState(page: Page, state: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await row(page).getAttribute('data-state')) === state, { timeoutMs, what: `transfer ${state}` });
}

/** Waits until the row's progress bar shows some bytes moved. */
async function waitMoving(page: Page): Promise<void> {
  await waitFor(async () => Number((await row(page).locator('progress').getAttribute('value')) ?? 0) > 0, { timeoutMs: 30_000, what: 'bytes moving' });
}

for (const topology of ['mesh', 'sfu'] as const) {
  test(`${topology}: 50 MiB of random bytes arrive with a matching SHA-256; progress is monotonic on both sides`, () => fiftyMiB(topology));
}

async function fiftyMiB(topology: 'mesh' | 'sfu'): Promise<void> {
  const { a, b } = await twoInSession(env.browser, topology === 'sfu' ? sfu!.url : env.server.url);
  assert.equal(await a.evaluate(() => (window.lectern!.room as unknown as { topology: string }).topology), topology);
  const bytes = randomBytes(50 * MiB);
  const expected = createHash('sha256').update(bytes).digest('hex');
  const path = join(dir, 'données 📊 <b>x.bin');
  await writeFile(path, bytes);
  await Promise.all([recordFileProgress(a), recordFileProgress(b)]);

  await a.getByLabel('Send a file to').selectOption({ label: 'Bob' });
  await a.getByLabel('Choose a file to send').setInputFiles(path);
  // The receiver sees name, size and sender, and chooses.
  await row(b).waitFor();
  const offer = await row(b).textContent();
  assert.match(offer!, /données 📊 <b>x\.bin/, 'the name shows as text');
  assert.match(offer!, /50\.0 MB/);
  assert.match(offer!, /Alice wants to send you this file/);
  await b.getByRole('button', { name: /^Accept / }).click();

  await Promise.all([waitState(b, 'complete'), waitState(a, 'complete')]);
  const download = b.waitForEvent('download');
  await b.getByRole('link', { name: /^Save / }).click();
  const saved = await download;
  assert.equal(saved.suggestedFilename(), 'données 📊 _b_x.bin', 'saved under a sanitised name');
  const got = await readFile((await saved.path())!);
  assert.equal(got.length, bytes.length);
  assert.equal(createHash('sha256').update(got).digest('hex'), expected);

  for (const [page, who] of [[a, 'sender'], [b, 'receiver']] as const) {
    const events = Object.values(await fileProgress(page))[0]!;
    assert.ok(events.length >= 3, `${who}: some progress events (${events.length})`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]! >= events[i - 1]!, `${who}: progress went back at event ${i}`);
    assert.equal(events[events.length - 1], bytes.length, `${who}: progress ends at the size`);
  }
  const [sent] = await fileTransfers(a);
  assert.ok(sent!.maxBufferedAmount! <= 16 * MiB, `sender buffered ${sent!.maxBufferedAmount} bytes`);
  await Promise.all([a.context().close(), b.context().close()]);
}

test('cancelling mid-way leaves both sides cancelled with nothing offered to save', async () => {
  const { a, b } = await twoInSession(env.browser, env.server.url);
  await a.getByLabel('Choose a file to send').setInputFiles(await bigFile('big.bin', 4 * 1024 * MiB));
  await b.getByRole('button', { name: /^Accept / }).click();
  await waitMoving(b);
  await b.getByRole('button', { name: /^Cancel transfer/ }).click();
  await Promise.all([waitState(a, 'cancelled', 15_000), waitState(b, 'cancelled', 15_000)]);
  assert.match((await row(a).textContent())!, /Cancelled by Bob/);
  assert.equal(await b.getByRole('link', { name: /^Save / }).count(), 0);
  assert.equal((await fileTransfers(b))[0]!.hasFile, false);
  await Promise.all([a.context().close(), b.context().close()]);
});

test('declining is reported to the sender', async () => {
  const { a, b } = await twoInSession(env.browser, env.server.url);
  const name = '../../etc/<img src=x onerror=alert(1)>.txt';
  await a.getByLabel('Choose a file to send').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await row(b).waitFor();
  const shown = await row(b).locator('.transfer-name').textContent();
  assert.ok(shown!.includes('<img src=x onerror=alert(1)>.txt'), `the name renders as text: ${shown}`);
  assert.equal(await b.locator('.transfers img').count(), 0, 'no markup from the name');
  await b.getByRole('button', { name: /^Decline / }).click();
  await waitState(a, 'declined', 15_000);
  assert.match((await row(a).textContent())!, /Bob declined/);
  await Promise.all([a.context().close(), b.context().close()]);
});

for (const who of ['receiver', 'sender'] as const) {
  test(`the ${who} dropping out mid-transfer marks the other side failed, never complete, nothing to save`, async () => {
    const { a, b } = await twoInSession(env.browser, env.server.url);
    await a.getByLabel('Choose a file to send').setInputFiles(await bigFile(`big-${who}.bin`, 4 * 1024 * MiB));
    await b.getByRole('button', { name: /^Accept / }).click();
    const [gone, stays] = who === 'receiver' ? [b, a] : [a, b];
    await waitMoving(stays);
    await gone.context().close();
    await waitState(stays, 'failed', 30_000);
    assert.match((await row(stays).textContent())!, /connection was lost/);
    assert.equal(await stays.getByRole('link', { name: /^Save / }).count(), 0);
    await stays.context().close();
  });
}

test('with the File System Access API the file streams to disk and is committed once verified', async () => {
  const { a, b } = await twoInSession(env.browser, env.server.url);
  // Stand in for the save dialog: a file in the page's origin-private file system.
  await b.evaluate(() => {
    Object.defineProperty(window, 'showSaveFilePicker', {
      configurable: true,
      value: async (o: { suggestedName: string }) => (await navigator.storage.getDirectory()).getFileHandle(o.suggestedName, { create: true }),
    });
  });
  const bytes = randomBytes(3 * MiB + 7);
  await writeFile(join(dir, 'disk.bin'), bytes);
  await a.getByLabel('Choose a file to send').setInputFiles(join(dir, 'disk.bin'));
  await b.getByRole('button', { name: /^Accept / }).click();
  await Promise.all([waitState(b, 'complete'), waitState(a, 'complete')]);
  assert.equal(await b.getByRole('link', { name: /^Save / }).count(), 0, 'nothing kept in memory to save');
  const onDisk = await b.evaluate(async () => {
    const f = await (await (await navigator.storage.getDirectory()).getFileHandle('disk.bin')).getFile();
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await f.arrayBuffer())), (x) => x.toString(16).padStart(2, '0')).join('');
  });
  assert.equal(onDisk, createHash('sha256').update(bytes).digest('hex'));
  await Promise.all([a.context().close(), b.context().close()]);
});
