import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LECTERN_BIN,
  createSession,
  expectMediaFlowing,
  joinByLink,
  launchBrowser,
  remoteTileNames,
  spawnServer,
  startTestServer,
  waitFor,
  type TestBrowser,
} from '@lectern/testing';

let browser: TestBrowser;
let dataDir: string;

before(async () => {
  browser = await launchBrowser();
  dataDir = await mkdtemp(join(tmpdir(), 'lectern-e2e-'));
});
after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('(f) the server is killed and restarted: clients show reconnecting, then return by themselves', async () => {
  const first = await spawnServer(['--http', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir]);
  const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
  const code = await createSession(a, first.url, 'Ada');
  await joinByLink(b, first.url, code, 'Bo');
  await expectMediaFlowing(a, ['Bo']);
  await expectMediaFlowing(b, ['Ada']);

  await first.kill('SIGKILL');
  for (const page of [a, b]) await page.getByTestId('reconnecting').waitFor({ timeout: 10_000 });

  const second = await spawnServer(['--http', '--host', '127.0.0.1', '--port', String(first.port), '--data-dir', dataDir]);
  try {
    for (const page of [a, b]) await page.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 30_000 });
    await waitFor(async () => (await remoteTileNames(a)).join() === 'Bo' && (await remoteTileNames(b)).join() === 'Ada', {
      timeoutMs: 20_000,
      what: 'both back in the session',
    });
    assert.equal(await a.getByTestId('session-code').textContent(), code);
    await expectMediaFlowing(a, ['Bo']);
    await expectMediaFlowing(b, ['Ada']);
  } finally {
    await Promise.all([a.context().close(), b.context().close()]);
    await second.kill('SIGTERM');
  }
});

test('SIGTERM: clients are told, sockets close, and the process exits 0', async () => {
  const server = await spawnServer(['--http', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir]);
  const page = await browser.newPage();
  await createSession(page, server.url, 'Solo');
  const code = await server.kill('SIGTERM');
  assert.equal(code, 0);
  await page.getByTestId('reconnecting').waitFor({ timeout: 10_000 });
  assert.match(server.output(), /"msg":"shutting down"/);
  await page.context().close();
});

test('a full session refuses the next person in plain words', async () => {
  const server = await startTestServer({ maxParticipants: 2 });
  try {
    const pages = await Promise.all([browser.newPage(), browser.newPage(), browser.newPage()]);
    const code = await createSession(pages[0]!, server.url, 'One');
    await joinByLink(pages[1]!, server.url, code, 'Two');
    await pages[2]!.goto(new URL(code, server.url).toString());
    await pages[2]!.getByLabel('Your name').fill('Three');
    await pages[2]!.getByRole('button', { name: 'Join session' }).click();
    assert.match((await pages[2]!.getByRole('alert').textContent()) ?? '', /session is full/i);
    assert.deepEqual(await remoteTileNames(pages[0]!), ['Two']);
    await Promise.all(pages.map((p) => p.context().close()));
  } finally {
    await server.close();
  }
});

test('while the server is down the home page says so, and recovers when it returns', async () => {
  const server = await spawnServer(['--http', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir]);
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByRole('button', { name: 'New session' }).waitFor();
  await server.kill('SIGKILL');
  await page.getByTestId('reconnecting').waitFor({ timeout: 10_000 });
  assert.ok(await page.getByRole('button', { name: 'New session' }).isDisabled(), 'no session can be started while the server is away');
  const again = await spawnServer(['--http', '--host', '127.0.0.1', '--port', String(server.port), '--data-dir', dataDir]);
  try {
    await page.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByLabel('Your name').fill('Late');
    await page.getByRole('button', { name: 'New session' }).click();
    await page.getByTestId('session-code').waitFor({ timeout: 15_000 });
  } finally {
    await page.context().close();
    await again.kill('SIGTERM');
  }
});

test('the lectern command: --help lists options, a bad option stops with one line', () => {
  const help = spawnSync(process.execPath, [LECTERN_BIN, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  for (const needle of ['--port', 'LECTERN_PORT', '--http', '--cert', '--key', '--data-dir', '--max-participants']) assert.ok(help.stdout.includes(needle), needle);
  const bad = spawnSync(process.execPath, [LECTERN_BIN, '--port', 'nine'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--port/);
  const env = spawnSync(process.execPath, [LECTERN_BIN], { encoding: 'utf8', env: { ...process.env, LECTERN_MAX_PARTICIPANTS: '0' } });
  assert.equal(env.status, 2);
  assert.match(env.stderr, /LECTERN_MAX_PARTICIPANTS/);
});
