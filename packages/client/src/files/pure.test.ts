import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { BlobSink, readBlocks, sha256 } from './io.js';
import { MAX_SAVED_NAME_LENGTH, sanitizeFileName } from './names.js';
import { ProgressMeter } from './progress.js';

test('file names are made safe to save', () => {
  const cases: Array<[string, string]> = [
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\win.ini', 'win.ini'],
    ['..', 'file'],
    ['', 'file'],
    ['.bashrc', 'bashrc'],
    ['name. ', 'name'],
    ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h'],
    ['evil\u202Etxt.exe', 'evil_txt.exe'],
    ['line\nbreak\u0000.txt', 'line_break_.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['Übersicht – 日本語 🎉.pptx', 'Übersicht – 日本語 🎉.pptx'],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeFileName(input), expected, JSON.stringify(input));
});

test('very long names are cut, keeping the extension and whole characters', () => {
  const long = sanitizeFileName(`${'🎉'.repeat(200)}.tar.gz`);
  assert.ok(long.length <= MAX_SAVED_NAME_LENGTH);
  assert.ok(long.endsWith('.gz'));
  assert.doesNotMatch(long, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
  assert.equal(sanitizeFileName('x'.repeat(5000)).length, MAX_SAVED_NAME_LENGTH);
});

test('progress is monotonic, and speed and time left come from a sliding window', () => {
  const m = new ProgressMeter(1000, 1000);
  assert.deepEqual(m.update(0, 0), { bytes: 0, total: 1000, bytesPerSecond: 0, secondsLeft: null });
  m.update(100, 500);
  const p = m.update(200, 1000);
  assert.equal(p.bytesPerSecond, 200);
  assert.equal(p.secondsLeft, 4);
  // A lower reading (e.g. bufferedAmount grew) never moves progress back.
  assert.equal(m.update(150, 1100).bytes, 200);
  // Stalled for a whole window: speed drops to zero and time left is unknown.
  const stalled = m.update(200, 2500);
  assert.equal(stalled.bytesPerSecond, 0);
  assert.equal(stalled.secondsLeft, null);
  // Never beyond the total; done means zero seconds left.
  const done = m.update(5000, 3000);
  assert.equal(done.bytes, 1000);
  assert.equal(done.secondsLeft, 0);
});

test('a zero-byte transfer is complete from the start', () => {
  assert.equal(new ProgressMeter(0).update(0, 0).secondsLeft, 0);
});

test('readBlocks covers the file exactly once, in order, in blocks', async () => {
  const bytes = new Uint8Array(randomBytes(1000));
  const blocks: Uint8Array[] = [];
  for await (const b of readBlocks(new Blob([bytes]), 300)) blocks.push(b);
  assert.deepEqual(blocks.map((b) => b.length), [300, 300, 300, 100]);
  assert.deepEqual(Buffer.concat(blocks), Buffer.from(bytes));
  const none: Uint8Array[] = [];
  for await (const b of readBlocks(new Blob([]), 300)) none.push(b);
  assert.equal(none.length, 0);
});

test('the incremental SHA-256 matches a one-shot digest', async () => {
  const bytes = randomBytes(100_000);
  const h = await sha256();
  for (let i = 0; i < bytes.length; i += 7777) h.update(bytes.subarray(i, i + 7777));
  assert.equal(await h.digestHex(), createHash('sha256').update(bytes).digest('hex'));
  assert.equal(await h.kept(), null, 'keeps nothing unless asked');
});

test('a hash made to keep the bytes returns them, in order, as a Blob of the given type', async () => {
  const bytes = randomBytes(50_000);
  const h = await sha256({ keep: { mime: 'application/x-test' } });
  for (let i = 0; i < bytes.length; i += 4096) h.update(bytes.subarray(i, i + 4096));
  assert.equal(await h.digestHex(), createHash('sha256').update(bytes).digest('hex'));
  const blob = (await h.kept())!;
  assert.equal(blob.type, 'application/x-test');
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), bytes);
});

test('BlobSink assembles parts in order into one Blob', async () => {
  const sink = new BlobSink('text/plain', 10);
  for (const s of ['hello ', 'wor', 'ld', ', this is more than ten bytes']) sink.write(new TextEncoder().encode(s));
  const blob = await sink.close();
  assert.equal(blob.type, 'text/plain');
  assert.equal(await blob.text(), 'hello world, this is more than ten bytes');
});
