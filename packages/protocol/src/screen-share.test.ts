import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientMessage, decodeServerMessage } from './codec.js';
import { ParticipantInfoSchema } from './messages.js';

describe('screen-share messages', () => {
  test('start and stop decode; a client-sent from is dropped', () => {
    const start = decodeClientMessage('{"type":"screen-share","screen":{"streamId":"{3f1c-a9}","audio":true},"from":"x"}');
    assert.deepEqual(start, { ok: true, message: { type: 'screen-share', screen: { streamId: '{3f1c-a9}', audio: true } } });
    assert.deepEqual(decodeClientMessage('{"type":"screen-share","screen":null}'), { ok: true, message: { type: 'screen-share', screen: null } });
  });

  test('a missing, empty, long or spaced stream id, or a missing audio flag, is refused', () => {
    for (const screen of [undefined, {}, { streamId: '', audio: false }, { streamId: 'x'.repeat(65), audio: false }, { streamId: 'a b', audio: false }, { streamId: 'abc' }]) {
      const r = decodeClientMessage(JSON.stringify({ type: 'screen-share', screen }));
      assert.equal(r.ok, false, JSON.stringify(screen));
    }
  });

  test('the relayed form needs from', () => {
    assert.equal(decodeServerMessage('{"type":"screen-share","screen":null}').ok, false);
    assert.equal(decodeServerMessage('{"type":"screen-share","from":"p1","screen":null}').ok, true);
  });

  test('participant info may carry the screen, or leave it out (older servers)', () => {
    const base = { id: 'p1', name: 'Ada', muted: false, cameraOff: false, role: 'participant' };
    assert.ok(ParticipantInfoSchema.safeParse(base).success);
    assert.ok(ParticipantInfoSchema.safeParse({ ...base, screen: null }).success);
    assert.deepEqual(ParticipantInfoSchema.parse({ ...base, screen: { streamId: 's1', audio: false } }).screen, { streamId: 's1', audio: false });
  });
});
