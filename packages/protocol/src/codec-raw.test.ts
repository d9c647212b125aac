import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rawStringProperty } from './codec-raw.js';
import { decodeClientMessage, encodeMessage } from './codec.js';

describe('rawStringProperty', () => {
  test('the JSON text of a top-level string property, as sent; the last when it repeats', () => {
    assert.equal(rawStringProperty('{"type":"offer","sdp":"v=0\\r\\n"}', 'sdp'), '"v=0\\r\\n"');
    assert.equal(rawStringProperty(' { "sdp" : "a\\"b\\\\" , "to":"x" } ', 'sdp'), '"a\\"b\\\\"');
    assert.equal(rawStringProperty('{"sdp":"first","sdp":"last"}', 'sdp'), '"last"');
    assert.equal(rawStringProperty('{"x":"\\"sdp\\":\\"no\\"","sdp":"yes"}', 'sdp'), '"yes"', 'a key inside a string is not a key');
  });

  test('null whenever it cannot be sure', () => {
    assert.equal(rawStringProperty('{"type":"offer"}', 'sdp'), null, 'absent');
    assert.equal(rawStringProperty('{}', 'sdp'), null);
    assert.equal(rawStringProperty('{"\\u0073dp":"spelled with an escape"}', 'sdp'), null);
    assert.equal(rawStringProperty('{"sdp":"a","x":{"sdp":"nested"}}', 'sdp'), null, 'a value that is not a string');
    assert.equal(rawStringProperty('{"sdp":1}', 'sdp'), null);
    assert.equal(rawStringProperty('["sdp","x"]', 'sdp'), null);
  });
});

describe('codec: a relayed offer or answer copies the SDP text it came with', () => {
  const relay = (frame: string): { out: string; sdp: string; type: 'offer' | 'answer' } | null => {
    const decoded = decodeClientMessage(frame);
    if (!decoded.ok || (decoded.message.type !== 'offer' && decoded.message.type !== 'answer')) return null;
    const { type, sdp } = decoded.message;
    const out = encodeMessage(type === 'offer' ? { type, from: 'sender_1', sdp } : { type, from: 'sender_1', sdp });
    return { out, sdp, type };
  };

  test('the same message as JSON.stringify would write, for any SDP text, spacing, repeated or extra keys', () => {
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 200 });
    const key = fc.constantFrom('sdp', 'to', 'x', 'from', '\\u0073dp');
    const frame = fc
      .tuple(fc.constantFrom('offer', 'answer'), text, fc.array(fc.tuple(key, text), { maxLength: 4 }), fc.constantFrom('', ' ', '\r\n\t'), fc.boolean())
      .map(([type, sdp, extra, space, sdpFirst]) => {
        const pairs: Array<[string, string]> = [['type', JSON.stringify(type)], ['to', '"p2"']];
        if (sdpFirst) pairs.unshift(['sdp', JSON.stringify(sdp)]);
        else pairs.push(['sdp', JSON.stringify(sdp)]);
        for (const [k, v] of extra) pairs.splice(1, 0, [k, k === 'to' ? '"p2"' : JSON.stringify(v)]);
        return `{${space}${pairs.map(([k, v]) => `"${k}"${space}:${space}${v}`).join(`,${space}`)}${space}}`;
      });
    let relayed = 0;
    fc.assert(
      fc.property(frame, (f) => {
        const r = relay(f);
        if (!r) return;
        relayed++;
        assert.equal(JSON.stringify(JSON.parse(r.out)), JSON.stringify({ type: r.type, from: 'sender_1', sdp: r.sdp }));
      }),
      { seed: 6, numRuns: 3000 },
    );
    assert.ok(relayed > 1000, `most frames were valid offers or answers (${relayed})`);
  });

  test('another SDP than the one just decoded is serialised as usual', () => {
    relay('{"type":"offer","to":"p2","sdp":"v=0\\u000d\\u000a"}');
    assert.equal(encodeMessage({ type: 'answer', from: 'p2', sdp: 'other' }), '{"type":"answer","from":"p2","sdp":"other"}');
    assert.equal(encodeMessage({ type: 'offer', from: 'p3', sdp: 'v=0\r\n' }), '{"type":"offer","from":"p3","sdp":"v=0\\u000d\\u000a"}', 'the same SDP: its text as sent');
     // A relayed signal with more fields (a file transfer's dataLink) keeps them all.
    assert.deepEqual(JSON.parse(encodeMessage({ type: 'offer', from: 'p3', sdp: 'v=0\r\n', dataLink: 'opener' })), { type: 'offer', from: 'p3', sdp: 'v=0\r\n', dataLink: 'opener' });
  });
});
