import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { FakeChannel, fakeTopologyPair } from './fakes.test-helpers.js';
import { IncomingTransfer } from './incoming.js';
import type { HashFactory, WritableFile } from './io.js';
import { WritableSink, sha256 } from './io.js';
import type { OutgoingTransfer } from './outgoing.js';
import type { FileTransfer, TransferState, TransferTuning } from './transfer.js';
import { FileTransfers, MAX_OPEN_INCOMING_PER_PEER } from './transfers.js';
import type { TransferProgress } from './progress.js';

// Small sizes so the window and the buffer limits are crossed many times in a small file.
const TUNING: TransferTuning = {
  chunkBytes: 16 * 1024,
  blockBytes: 64 * 1024,
  highWaterBytes: 128 * 1024,
  lowWaterBytes: 32 * 1024,
  windowBytes: 512 * 1024,
  ackEveryBytes: 64 * 1024,
};

function setup(options: { senderHash?: HashFactory; receiverHash?: HashFactory } = {}) {
  const topo = fakeTopologyPair();
  const names: Record<string, string> = { a: 'Alice', b: 'Bob' };
  const alice = new FileTransfers({ nameOf: (id) => names[id]!, tuning: TUNING, hash: options.senderHash ?? sha256 });
  const bob = new FileTransfers({ nameOf: (id) => names[id]!, tuning: TUNING, hash: options.receiverHash ?? sha256 });
  alice.attach(topo.a);
  bob.attach(topo.b);
  const offered = new Promise<IncomingTransfer>((resolve) => bob.on('transferAdded', (t) => resolve(t as IncomingTransfer)));
  return { topo, alice, bob, offered };
}

function file(bytes: Uint8Array, name = 'data.bin'): File {
  return new File([bytes as Uint8Array<ArrayBuffer>], name, { type: 'application/octet-stream' });
}

/** Resolves when the transfer reaches `state`; rejects if it ends in another final state. */
function reach(t: FileTransfer, state: TransferState, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still ${t.state} after ${timeoutMs} ms, wanted ${state}`)), timeoutMs);
    const check = () => {
      if (t.state === state) {
        clearTimeout(timer);
        resolve();
      } else if (t.final) {
        clearTimeout(timer);
        reject(new Error(`ended ${t.state} (${t.failure?.reason}: ${t.failure?.message}), wanted ${state}`));
      }
    };
    t.on('stateChanged', check);
    check();
  });
}

function recordProgress(t: FileTransfer): TransferProgress[] {
  const out: TransferProgress[] = [];
  t.on('progress', (p) => out.push(p));
  return out;
}

function assertMonotonic(events: TransferProgress[], total: number): void {
  assert.ok(events.length >= 2, 'some progress events');
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.bytes >= events[i - 1]!.bytes, `progress went back at event ${i}`);
  assert.equal(events[events.length - 1]!.bytes, total);
}

test('a file arrives whole and verified; progress is monotonic on both sides; buffers stay bounded', async () => {
  const { alice, bob, offered, topo } = setup();
  const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 12345));
  const [out] = alice.send(file(bytes, 'report ü.pdf'), ['b']) as [OutgoingTransfer];
  assert.equal(out.state, 'waiting');
  assert.equal(out.peerName, 'Bob');
  const sent = recordProgress(out);
  const incoming = await offered;
  assert.equal(incoming.state, 'offered');
  assert.deepEqual([incoming.name, incoming.size, incoming.peerName], ['report ü.pdf', bytes.length, 'Alice']);
  const received = recordProgress(incoming);
  await incoming.accept();
  await Promise.all([reach(incoming, 'complete'), reach(out, 'complete')]);
  const got = new Uint8Array(await incoming.file!.arrayBuffer());
  assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
  assertMonotonic(sent, bytes.length);
  assertMonotonic(received, bytes.length);
  assert.ok(out.maxBufferedAmount > 0 && out.maxBufferedAmount <= TUNING.highWaterBytes, `max buffered ${out.maxBufferedAmount}`);
  assert.ok(topo.a.channels[0]!.maxBuffered <= TUNING.highWaterBytes + 1024, 'the channel buffer never passed high water');
});

test('a receiver whose hash takes each buffer over (detaches it, as the worker does) still completes', async () => {
  const takesOver: HashFactory = async (options) => {
    const h = await sha256(options);
    return {
      ...h,
      update: (d) => {
        const copy = d.slice();
        if (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength) structuredClone(d.buffer, { transfer: [d.buffer] });
        h.update(copy);
      },
    };
  };
  const { alice, offered } = setup({ receiverHash: takesOver });
  const bytes = new Uint8Array(randomBytes(1024 * 1024 + 7));
  const [out] = alice.send(file(bytes), ['b']);
  const incoming = await offered;
  const received = recordProgress(incoming);
  await incoming.accept();
  await Promise.all([reach(incoming, 'complete'), reach(out!, 'complete')]);
  assert.deepEqual(Buffer.from(await incoming.file!.arrayBuffer()), Buffer.from(bytes));
  assertMonotonic(received, bytes.length);
});

test('a zero-byte file completes with the empty SHA-256', async () => {
  const { alice, offered } = setup();
  const [out] = alice.send(file(new Uint8Array(0), ''), ['b']);
  const incoming = await offered;
  assert.equal(incoming.saveName, 'file');
  await incoming.accept();
  await Promise.all([reach(incoming, 'complete'), reach(out!, 'complete')]);
  assert.equal(incoming.file!.size, 0);
  assert.equal(incoming.progress.bytes, 0);
});

test('declining is reported to the sender', async () => {
  const { alice, offered } = setup();
  const [out] = alice.send(file(new Uint8Array(10)), ['b']);
  const incoming = await offered;
  incoming.decline();
  assert.equal(incoming.state, 'declined');
  await reach(out!, 'declined');
});

for (const who of ['receiver', 'sender'] as const) {
  test(`the ${who} cancels mid-way: both sides end cancelled and nothing is offered`, async () => {
    const { alice, offered, topo } = setup();
    const [out] = alice.send(file(new Uint8Array(randomBytes(2 * 1024 * 1024))), ['b']);
    const incoming = await offered;
    await incoming.accept();
    const channel = topo.a.channels[0]!;
    channel.afterDeliver = (n) => n === 20 && (who === 'receiver' ? incoming : out!).cancel();
    await Promise.all([reach(incoming, 'cancelled'), reach(out!, 'cancelled')]);
    assert.equal(incoming.file, null);
    assert.equal(incoming.cancelledBy, who === 'receiver' ? 'local' : 'remote');
    assert.equal(out!.cancelledBy, who === 'sender' ? 'local' : 'remote');
  });
}

test('a SHA-256 mismatch fails both sides with reason integrity and offers nothing', async () => {
  // The receiver's hash sees one flipped bit: what a corrupted byte would do.
  const corrupt: HashFactory = async () => {
    const h = await sha256();
    let first = true;
    return {
      ...h,
      update: (d) => {
        if (first && d.length > 0) {
          const copy = d.slice();
          copy[0] = copy[0]! ^ 1;
          first = false;
          return h.update(copy);
        }
        h.update(d);
      },
    };
  };
  for (const toDisk of [false, true]) {
    const { alice, offered } = setup({ receiverHash: corrupt });
    const [out] = alice.send(file(new Uint8Array(randomBytes(300_000))), ['b']);
    const incoming = await offered;
    const disk: string[] = [];
    await incoming.accept(
      toDisk ? new WritableSink({ write: async () => void disk.push('write'), close: async () => void disk.push('close'), abort: async () => void disk.push('abort') }, 64 * 1024) : undefined,
    );
    await Promise.all([reach(incoming, 'failed'), reach(out!, 'failed')]);
    assert.equal(incoming.failure?.reason, 'integrity');
    assert.equal(out!.failure?.reason, 'integrity');
    assert.equal(out!.failure?.remote, true);
    assert.equal(incoming.file, null);
    if (toDisk) {
      await new Promise((r) => setImmediate(r));
      assert.ok(!disk.includes('close'), 'a damaged file is never committed to disk');
      assert.equal(disk[disk.length - 1], 'abort', 'the partly written file is discarded');
    }
  }
});

test('a connection that drops mid-transfer fails both sides, never complete', async () => {
  const { alice, offered, topo } = setup();
  const [out] = alice.send(file(new Uint8Array(randomBytes(2 * 1024 * 1024))), ['b']);
  const incoming = await offered;
  await incoming.accept();
  const channel = topo.a.channels[0]!;
  channel.afterDeliver = (n) => n === 20 && channel.drop();
  await Promise.all([reach(incoming, 'failed'), reach(out!, 'failed')]);
  assert.equal(incoming.failure?.reason, 'connection');
  assert.equal(incoming.file, null);
});

test('the peer leaving fails its transfers; a peer without a connection fails at once', async () => {
  const { alice, bob, offered, topo } = setup();
  const [out] = alice.send(file(new Uint8Array(1000)), ['b']);
  await offered;
  alice.peerGone('b');
  assert.equal(out!.state, 'failed');
  // The receiver learns from its own connection state.
  topo.b.fire('connectionState', 'a', 'failed');
  assert.equal(bob.list[0]!.state, 'failed');
  const [lonely] = alice.send(file(new Uint8Array(1)), ['nobody']);
  assert.equal(lonely!.state, 'failed');
  assert.equal(lonely!.failure?.reason, 'connection');
});

test('a receiver refuses a channel whose first message is not a matching offer', async () => {
  const { topo, bob } = setup();
  for (const first of ['{"type":"file-done","id":"abcdefgh12","sha256":"00"}', 'garbage', '{"type":"file-offer","id":"otherid123","name":"x","size":1,"mime":""}']) {
    const [mine, theirs] = FakeChannel.pair('file:abcdefgh12');
    topo.b.fire('dataChannel', 'a', theirs as unknown as RTCDataChannel);
    mine.open();
    const closed = new Promise<void>((resolve) => (mine.onclose = resolve));
    mine.send(first);
    await closed;
    assert.equal(bob.list.length, 0);
  }
});

test('a participant cannot flood us with offers', async () => {
  const { topo, bob } = setup();
  const refused: unknown[] = [];
  for (let i = 0; i < MAX_OPEN_INCOMING_PER_PEER + 2; i++) {
    const id = `flood${String(i).padStart(5, '0')}`;
    const [mine, theirs] = FakeChannel.pair(`file:${id}`);
    topo.b.fire('dataChannel', 'a', theirs as unknown as RTCDataChannel);
    mine.open();
    mine.onmessage = ({ data }) => refused.push(data);
    mine.send(JSON.stringify({ type: 'file-offer', id, name: 'x', size: 1, mime: '' }));
  }
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(bob.list.length, MAX_OPEN_INCOMING_PER_PEER);
  assert.equal(refused.length, 2);
});

test('a sender that sends more than it announced is stopped with too-large', async () => {
  const { topo, bob } = setup();
  const [mine, theirs] = FakeChannel.pair('file:abcdefgh12');
  topo.b.fire('dataChannel', 'a', theirs as unknown as RTCDataChannel);
  mine.open();
  mine.send(JSON.stringify({ type: 'file-offer', id: 'abcdefgh12', name: 'x', size: 4, mime: '' }));
  const incoming = await new Promise<IncomingTransfer>((resolve) => bob.on('transferAdded', (t) => resolve(t as IncomingTransfer)));
  await incoming.accept();
  mine.send(new Uint8Array(5));
  await reach(incoming, 'failed');
  assert.equal(incoming.failure?.reason, 'too-large');
});

test('a slow disk holds the sender to its window; the file is committed only after verification', async () => {
  const { alice, offered, topo } = setup();
  const writes: Array<() => void> = [];
  let written = 0;
  const events: string[] = [];
  const disk: WritableFile = {
    write: (d) => new Promise((resolve) => writes.push(() => ((written += d.length), resolve()))),
    close: async () => void events.push(`close after ${written}`),
    abort: async () => void events.push('abort'),
  };
  const size = 2 * 1024 * 1024;
  const [out] = alice.send(file(new Uint8Array(randomBytes(size))), ['b']);
  const incoming = await offered;
  await incoming.accept(new WritableSink(disk, 64 * 1024));
  // Nothing is written yet, so nothing is acknowledged: the sender stops at its window.
  const sender = topo.a.channels[0]!;
  let delivered = 0;
  sender.afterDeliver = (n) => void (delivered = n);
  const turn = () => new Promise((r) => setImmediate(r));
  // Wait (in event-loop turns, with a deadline) until the sender has filled its window...
  for (let i = 0; delivered * TUNING.chunkBytes < TUNING.windowBytes - TUNING.chunkBytes || sender.bufferedAmount > 0; i++) {
    assert.ok(i < 100_000, `the sender never filled its window (${delivered} chunks delivered)`);
    await turn();
  }
  // ...then give it many turns: with nothing written, nothing is acknowledged, so nothing moves.
  const stalledAt = delivered;
  for (let i = 0; i < 200; i++) await turn();
  assert.equal(delivered, stalledAt, 'the sender stopped while the disk was stuck');
  assert.ok(stalledAt * TUNING.chunkBytes <= TUNING.windowBytes + TUNING.chunkBytes, `sent ${stalledAt} chunks, window ${TUNING.windowBytes} bytes`);
  assert.ok(written === 0 && out!.state === 'transferring');
  // Let the disk go: everything completes.
  const drain = setInterval(() => writes.splice(0).forEach((w) => w()), 1);
  try {
    await Promise.all([reach(incoming, 'complete'), reach(out!, 'complete')]);
  } finally {
    clearInterval(drain);
  }
  assert.deepEqual(events, [`close after ${size}`]);
  assert.equal(incoming.file, null, 'a file streamed to disk is not also kept in memory');
});
