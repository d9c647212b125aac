import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ErrorCodes, type ServerMessage } from '@lectern/protocol';
import { freeUdpPort } from '../network.js';
import { SfuWorkers } from './workers.js';

const silent = pino({ level: 'silent' });

async function until<T>(probe: () => T | null | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('SFU workers: a session is carried by a worker process; a crash restarts the worker and hands its sessions back to signaling', async () => {
  const ports = [await freeUdpPort('127.0.0.1')];
  const sent: { code: string; id: string; m: ServerMessage }[] = [];
  const restarted: string[][] = [];
  const workers = new SfuWorkers(
    { ports, sfu: { network: { bindAddress: '127.0.0.1' }, lastN: 9, audioSlots: 3 }, logLevel: 'silent' },
    (code, id, m) => sent.push({ code, id, m }),
    (codes) => restarted.push(codes),
    silent,
  );
  try {
    await workers.start();
    const [pid] = workers.pids;
    assert.ok(pid);
    // Not carried: refused at once, in this process.
    assert.throws(() => workers.handle('abc-defg-hjk', 'p1', { type: 'sfu-view', views: [] }), (e: { code?: string }) => e.code === ErrorCodes.NOT_ALLOWED);

    workers.join('abc-defg-hjk', 'p1');
    // The worker offers the subscribe connection, through the parent, to the right participant.
    const offer = await until(() => sent.find((s) => s.m.type === 'sfu-subscribe-offer'), 'the subscribe offer');
    assert.deepEqual([offer.code, offer.id], ['abc-defg-hjk', 'p1']);
    // An offer libdatachannel cannot use comes back as an error for that participant.
    workers.handle('abc-defg-hjk', 'p1', { type: 'sfu-publish', sdp: 'not sdp' });
    const refused = await until(() => sent.find((s) => s.m.type === 'error'), 'the refusal');
    assert.equal(refused.m.type === 'error' && refused.m.code, ErrorCodes.BAD_MESSAGE);
    assert.equal(refused.m.type === 'error' && refused.m.ref, 'sfu-publish');

    process.kill(pid, 'SIGKILL');
    await until(() => restarted.length > 0, 'the restart callback');
    assert.deepEqual(restarted, [['abc-defg-hjk']]);
    const again = await until(() => (workers.pids[0] && workers.pids[0] !== pid ? workers.pids[0] : null), 'a new worker process');
    assert.notEqual(again, pid);
    // The session was handed back: signaling re-joins it, and it works on the new process.
    assert.equal(workers.size, 0);
    sent.length = 0;
    workers.join('abc-defg-hjk', 'p1');
    await until(() => sent.find((s) => s.m.type === 'sfu-subscribe-offer'), 'a subscribe offer from the new worker');
  } finally {
    await workers.close();
  }
  assert.deepEqual(workers.pids, [null], 'close ends every worker');
  assert.throws(() => workers.join('abc-defg-hjk', 'p2'), (e: { code?: string }) => e.code === ErrorCodes.SERVER_BUSY);
});
