import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtp } from './rtp.js';
import { rtp } from './rtp.test-helpers.js';
import { OutboundSlot, type SlotCodec } from './slot.js';

const VP8 = new Map<number, SlotCodec>([[100, 'VP8']]);
const key = [0x10, 0x00]; // VP8 partition start, P=0
const delta = [0x10, 0x01];

describe('OutboundSlot', () => {
  test('forwards only its source, rewritten to the slot’s ssrc and payload type, from a keyframe on', () => {
    let now = 0;
    const slot = new OutboundSlot(0x5107, 96, 'video', 90_000, () => now);
    slot.setSource(0xa, VP8);
    assert.equal(slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 10, payload: delta })), null, 'waits for a keyframe');
    assert.equal(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 11, payload: key })), null, 'other source');
    assert.equal(slot.forward(rtp({ ssrc: 0xa, pt: 101, seq: 11, payload: key })), null, 'RTX/other payload type');
    const out = slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 11, ts: 5000, payload: key }))!;
    const h = parseRtp(out)!;
    assert.deepEqual([h.ssrc, h.payloadType, h.sequence, h.timestamp], [0x5107, 96, 11, 5000]);
    now += 33;
    assert.ok(slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 12, ts: 8000, payload: delta })), 'then every packet');
  });

  test('each codec goes out under the payload type the receiver accepted for it; a codec it refused is not forwarded', () => {
    const slot = new OutboundSlot(7, 96, 'video', 90_000, () => 0);
    slot.setCodecPayloadType('VP8', 96);
    slot.setCodecPayloadType('H264', 102);
    const h264 = new Map<number, SlotCodec>([[107, 'H264']]);
    slot.setSource(0xc, h264);
    // An H.264 IDR (NAL type 5) starts the stream.
    assert.equal(parseRtp(slot.forward(rtp({ ssrc: 0xc, pt: 107, seq: 1, payload: [0x65, 0x88] }))!)!.payloadType, 102);
    slot.setSource(0xa, VP8);
    assert.equal(parseRtp(slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 1, payload: key }))!)!.payloadType, 96);
    // A receiver without H.264: the H.264 source is not sent at all (it would decode as garbage).
    const vp8Only = new OutboundSlot(8, 96, 'video', 90_000, () => 0);
    vp8Only.setCodecPayloadType('H264', null);
    vp8Only.setSource(0xc, h264);
    assert.equal(vp8Only.forward(rtp({ ssrc: 0xc, pt: 107, seq: 1, payload: [0x65, 0x88] })), null);
  });

  test('a switch keeps sequence numbers and timestamps continuous', () => {
    let now = 1000;
    const slot = new OutboundSlot(1, 96, 'video', 90_000, () => now);
    slot.setSource(0xa, VP8);
    slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 65534, ts: 0xfffffff0, payload: key }));
    slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 65535, ts: 0xfffffff0, payload: delta }));
    now += 100;
    slot.setSource(0xb, VP8);
    assert.equal(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 7, ts: 123, payload: delta })), null);
    const out = parseRtp(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 8, ts: 456, payload: key }))!)!;
    assert.equal(out.sequence, 0, 'wraps after 65535');
    // 100 ms later at 90 kHz = 9000 ticks after the last timestamp (mod 2^32).
    assert.equal(out.timestamp, (0xfffffff0 + 9000) >>> 0);
    const next = parseRtp(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 9, ts: 456 + 3000, payload: delta }))!)!;
    assert.deepEqual([next.sequence, next.timestamp], [1, (0xfffffff0 + 12000) >>> 0]);
  });

  test('a layer switch goes on forwarding the old layer until the new layer’s keyframe, then continues the numbering', () => {
    let now = 0;
    const slot = new OutboundSlot(4, 96, 'video', 90_000, () => now);
    slot.setSource(0xa, VP8);
    slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 100, ts: 9000, payload: key }));
    now += 33;
    slot.setSource(0xb, VP8, { seamless: true });
    assert.equal(slot.source, 0xa);
    assert.equal(slot.nextSource, 0xb);
    assert.ok(slot.waitingForKeyframe, 'so the room asks the new layer for a keyframe');
    assert.ok(slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 101, ts: 12000, payload: delta })), 'the old layer still flows');
    assert.equal(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 5000, ts: 777, payload: delta })), null, 'the new layer waits for its keyframe');
    now += 33;
    const first = parseRtp(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 5001, ts: 3777, payload: key }))!)!;
    assert.equal(first.sequence, 102, 'continues after 101');
    assert.equal(first.timestamp, 12000 + 2970, '33 ms later at 90 kHz');
    assert.equal(slot.source, 0xb);
    assert.equal(slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 102, ts: 15000, payload: delta })), null, 'the old layer stops');
    assert.ok(!slot.waitingForKeyframe);
    // Back to the first layer, then cancelled before its keyframe: nothing changes.
    slot.setSource(0xa, VP8, { seamless: true });
    slot.setSource(0xb, VP8, { seamless: true });
    assert.equal(slot.nextSource, null);
    assert.equal(slot.forward(rtp({ ssrc: 0xa, pt: 100, seq: 103, ts: 18000, payload: key })), null);
  });

  test('a seamless switch before anything was forwarded is a plain switch', () => {
    const slot = new OutboundSlot(5, 96, 'video', 90_000, () => 0);
    slot.setSource(0xa, VP8);
    slot.setSource(0xb, VP8, { seamless: true });
    assert.equal(slot.source, 0xb);
    assert.ok(slot.forward(rtp({ ssrc: 0xb, pt: 100, seq: 1, payload: key })));
  });

  test('audio switches at once; a slot with no source forwards nothing', () => {
    const slot = new OutboundSlot(2, 111, 'audio', 48_000, () => 0);
    const opus = new Map<number, SlotCodec>([[111, 'opus']]);
    assert.equal(slot.forward(rtp({ ssrc: 0xa, pt: 111 })), null);
    slot.setSource(0xa, opus);
    assert.ok(slot.forward(rtp({ ssrc: 0xa, pt: 111, seq: 3 })));
    slot.setSource(0xc, opus);
    assert.equal(parseRtp(slot.forward(rtp({ ssrc: 0xc, pt: 111, seq: 900 }))!)!.sequence, 4);
    slot.setSource(null);
    assert.equal(slot.forward(rtp({ ssrc: 0xc, pt: 111, seq: 901 })), null);
  });

  test('the input packet is not modified (it may go to other receivers too)', () => {
    const slot = new OutboundSlot(3, 96, 'video', 90_000, () => 0);
    slot.setSource(0xa, VP8);
    const input = rtp({ ssrc: 0xa, pt: 100, seq: 5, payload: key });
    const copy = Buffer.from(input);
    slot.forward(input);
    assert.deepEqual(input, copy);
  });
});

describe('OutboundSlot: sender report translation', () => {
  test('source timestamps map to the slot’s, only for the source being forwarded', () => {
    let now = 0;
    const slot = new OutboundSlot(9, 111, 'audio', 48_000, () => now);
    const opus = new Map<number, SlotCodec>([[111, 'opus']]);
    slot.setSource(0xa, opus);
    assert.equal(slot.translateTimestamp(0xa, 500), null, 'nothing forwarded yet');
    slot.forward(rtp({ ssrc: 0xa, pt: 111, seq: 1, ts: 1000, payload: [1, 2, 3, 4] }));
    assert.equal(slot.translateTimestamp(0xa, 1960), 1960, 'first source: unchanged');
    now += 20;
    slot.setSource(0xb, opus);
    slot.forward(rtp({ ssrc: 0xb, pt: 111, seq: 50, ts: 7000, payload: [1, 2] }));
    // The slot continued at 1000 + 20 ms × 48 kHz = 1960 for source ts 7000.
    assert.equal(slot.translateTimestamp(0xb, 7000 + 480), 1960 + 480);
    assert.equal(slot.translateTimestamp(0xa, 1000), null, 'the old source no longer maps');
    assert.deepEqual([slot.packets, slot.octets], [2, 6]);
  });
});
