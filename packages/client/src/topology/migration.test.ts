import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, flush } from '../fakes.test-helpers.js';
import { MIGRATION_TIMEOUT_MS, TopologyMigration } from './migration.js';
import type { RemoteMediaStats, Topology } from './topology.js';

/** A topology whose per-participant stats the test sets. */
function fakeTopology(stats: Map<string, Partial<RemoteMediaStats>>): Topology {
  return {
    kind: 'sfu',
    stats: async (id: string) => {
      const s = stats.get(id);
      return s ? ({ framesDecoded: 0, audioPacketsReceived: 0, connectionState: 'connecting', ...s } as RemoteMediaStats) : null;
    },
  } as unknown as Topology;
}

async function tick(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
  await flush();
}

describe('TopologyMigration', () => {
  test('ready once every camera is decoded on the new path, not before', async () => {
    const clock = new FakeClock();
    const stats = new Map<string, Partial<RemoteMediaStats>>();
    let ready = 0;
    new TopologyMigration(fakeTopology(stats), () => [{ id: 'a', sendsVideo: true }, { id: 'b', sendsVideo: true }], clock, () => ready++);
    await tick(clock, 200);
    assert.equal(ready, 0);
    stats.set('a', { framesDecoded: 3 });
    stats.set('b', { framesDecoded: 0, audioPacketsReceived: 50 });
    await tick(clock, 200);
    assert.equal(ready, 0, 'b has audio but no video yet');
    stats.set('b', { framesDecoded: 1 });
    await tick(clock, 200);
    assert.equal(ready, 1);
    await tick(clock, 1000);
    assert.equal(ready, 1, 'fires once');
  });

  test('someone with the camera off only needs audio or a connection', async () => {
    const clock = new FakeClock();
    const stats = new Map<string, Partial<RemoteMediaStats>>([['a', { connectionState: 'connected' }]]);
    let ready = 0;
    new TopologyMigration(fakeTopology(stats), () => [{ id: 'a', sendsVideo: false }], clock, () => ready++);
    await tick(clock, 200);
    assert.equal(ready, 1);
  });

  test('gives up waiting after the timeout, and a cancelled one never fires', async () => {
    const clock = new FakeClock();
    let ready = 0;
    new TopologyMigration(fakeTopology(new Map()), () => [{ id: 'a', sendsVideo: true }], clock, () => ready++);
    const cancelled = new TopologyMigration(fakeTopology(new Map()), () => [{ id: 'a', sendsVideo: true }], clock, () => ready++);
    cancelled.cancel();
    for (let t = 0; t < MIGRATION_TIMEOUT_MS; t += 200) await tick(clock, 200);
    await tick(clock, 200);
    assert.equal(ready, 1);
  });
});
