import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFileMessage, encodeFileMessage, MAX_FILE_MESSAGE_BYTES, type FileMessage } from './file-transfer.js';

const ID = 'k3J9xQ2mTa7b';

test('every control message round-trips through encode and decode', () => {
  const messages: FileMessage[] = [
    { type: 'file-offer', id: ID, name: '../../etc/passwd', size: 2 * 1024 ** 3, mime: '' },
    { type: 'file-offer', id: ID, name: '', size: 0, mime: 'text/plain' },
    { type: 'file-accept', id: ID },
    { type: 'file-decline', id: ID },
    { type: 'file-ack', id: ID, bytes: 4194304 },
    { type: 'file-cancel', id: ID },
    { type: 'file-done', id: ID, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    { type: 'file-received', id: ID },
    { type: 'file-error', id: ID, reason: 'integrity', message: 'mismatch' },
  ];
  for (const m of messages) assert.deepEqual(decodeFileMessage(encodeFileMessage(m)), { ok: true, message: m });
});

test('invalid control messages are refused with a reason, never thrown', () => {
  const bad = [
    'not json',
    '[]',
    'null',
    '{"type":"file-launch","id":"k3J9xQ2mTa7b"}',
    '{"type":"file-accept"}',
    '{"type":"file-accept","id":"short"}',
    '{"type":"file-accept","id":"has spaces in it"}',
    '{"type":"file-offer","id":"k3J9xQ2mTa7b","name":"a","size":-1,"mime":""}',
    '{"type":"file-offer","id":"k3J9xQ2mTa7b","name":"a","size":1.5,"mime":""}',
    '{"type":"file-offer","id":"k3J9xQ2mTa7b","name":"a","size":9007199254740992,"mime":""}',
    `{"type":"file-offer","id":"k3J9xQ2mTa7b","name":"${'x'.repeat(1025)}","size":1,"mime":""}`,
    '{"type":"file-done","id":"k3J9xQ2mTa7b","sha256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}',
    '{"type":"file-done","id":"k3J9xQ2mTa7b","sha256":"abc"}',
    '{"type":"file-error","id":"k3J9xQ2mTa7b","reason":"bored","message":""}',
    JSON.stringify({ type: 'file-error', id: ID, reason: 'read', message: 'é'.repeat(MAX_FILE_MESSAGE_BYTES) }),
  ];
  for (const frame of bad) {
    const r = decodeFileMessage(frame);
    assert.equal(r.ok, false, `accepted ${frame.slice(0, 80)}`);
    if (!r.ok) assert.ok(r.reason.length > 0);
  }
});
