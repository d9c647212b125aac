import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatMessages, createSession, expectMediaFlowing, joinByLink, launchBrowser, openChat, sendChat, spawnServer, waitFor, type TestBrowser } from '@lectern/testing';

let browser: TestBrowser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

/** The process ids of the SFU workers that have logged their start, in order. */
function workerPids(output: string): number[] {
  return [...output.matchAll(/"pid":(\d+),"port":\d+,"msg":"SFU worker started"/g)].map((m) => Number(m[1]));
}

test('an SFU worker that crashes is logged and restarted, and its sessions get media again by themselves', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lectern-e2e-sfu-crash-'));
  const server = await spawnServer(['--http', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir, '--topology', 'sfu', '--sfu-port', '0', '--sfu-workers', '2']);
  const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
  try {
    const first = await waitFor(() => (workerPids(server.output()).length >= 2 ? workerPids(server.output()) : null), { what: 'two SFU workers' });
    const code = await createSession(a, server.url, 'Ada');
    await joinByLink(b, server.url, code, 'Bo');
    await Promise.all([expectMediaFlowing(a, ['Bo'], 45_000), expectMediaFlowing(b, ['Ada'], 45_000)]);

    // Both workers die as a native crash would kill them (no goodbye to the parent).
    for (const pid of first) process.kill(pid, 'SIGKILL');
    await waitFor(() => server.output().includes('SFU worker died'), { what: 'the crash to be logged' });
    await waitFor(() => server.output().includes('SFU media restarted for the session'), { what: 'the session to be restarted' });
    await waitFor(() => (workerPids(server.output()).length >= 4 ? true : null), { timeoutMs: 60_000, what: 'both workers to start again' });
    assert.equal(workerPids(server.output()).filter((p) => first.includes(p)).length, 2, 'new processes, not the old ones');

    // Media comes back on both sides without anyone touching the page.
    await Promise.all([expectMediaFlowing(a, ['Bo'], 45_000), expectMediaFlowing(b, ['Ada'], 45_000)]);
    assert.equal(await a.getByTestId('reconnecting').count(), 0, 'signaling never went away');
    // Signaling lived through it: chat still flows.
    await Promise.all([openChat(a), openChat(b)]);
    await sendChat(a, 'still here');
    await waitFor(async () => (await chatMessages(b)).some((m) => m.text === 'still here'), { what: 'chat after the crash' });
    assert.equal(server.child.exitCode, null, 'the server process is still up');
  } finally {
    await Promise.all([a, b].map((p) => p.context().close()));
    await server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
});
