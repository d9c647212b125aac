import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rtp } from './rtp.test-helpers.js';
import { audioLevel, buildPli, buildSenderReport, readSenderReports, findExtension, isH264KeyframeStart, isRtcp, isVp8KeyframeStart, parseRtp, readFeedback, rewriteRtp, splitRtcp } from './rtp.js';

describe('RTP', () => {
  test('parses the header, extensions and padding', () => {
    const p = rtp({ pt: 111, seq: 65535, ts: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, ext: [[1, [0x85]], [4, [0x30, 0x31]]], payload: [1, 2, 3], padding: 4 });
    const h = parseRtp(p)!;
    assert.deepEqual(
      [h.marker, h.payloadType, h.sequence, h.timestamp, h.ssrc, h.padding],
      [true, 111, 65535, 0xfffffff0, 0xdeadbeef, 4],
    );
    assert.deepEqual([...p.subarray(h.payloadOffset, p.length - h.padding)], [1, 2, 3]);
    assert.deepEqual([...findExtension(p, h, 4)!], [0x30, 0x31]);
    assert.equal(findExtension(p, h, 7), null);
    // 0x85 = voice activity + 5 dBov below full scale.
    assert.ok(Math.abs(audioLevel(p, h, 1)! - (1 - 5 / 127)) < 1e-9);
  });

  test('refuses malformed packets without throwing', () => {
    assert.equal(parseRtp(Buffer.alloc(5)), null);
    assert.equal(parseRtp(Buffer.from([0x40, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])), null, 'version 1');
    const csrc = rtp({});
    csrc[0] = 0x8f; // 15 CSRCs claimed, none present
    assert.equal(parseRtp(csrc), null);
    const ext = rtp({ ext: [[1, [1]]] });
    ext.writeUInt16BE(200, 14); // extension length beyond the packet
    assert.equal(parseRtp(ext), null);
    const pad = rtp({ padding: 4 });
    pad[pad.length - 1] = 200;
    assert.equal(parseRtp(pad), null);
  });

  test('rewrites ssrc, payload type, sequence and timestamp, keeping the marker', () => {
    const p = rtp({ pt: 100, marker: true });
    rewriteRtp(p, { ssrc: 0x01020304, payloadType: 96, sequence: 513, timestamp: 0x80000001 });
    const h = parseRtp(p)!;
    assert.deepEqual(
      [h.marker, h.payloadType, h.sequence, h.timestamp, h.ssrc],
      [true, 96, 513, 0x80000001, 0x01020304],
    );
  });

  test('spots VP8 keyframes only at the start of partition 0', () => {
    // Descriptor with X=1, I=1 (15-bit picture id), then payload header with P=0.
    assert.equal(isVp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x10])), true);
    assert.equal(isVp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x11])), false, 'P=1: interframe');
    assert.equal(isVp8KeyframeStart(Buffer.from([0x80, 0x80, 0x81, 0x23, 0x10])), false, 'not a partition start');
    assert.equal(isVp8KeyframeStart(Buffer.from([0x10, 0x00])), true, 'no extensions');
    assert.equal(isVp8KeyframeStart(Buffer.from([0x90])), false, 'truncated');
  });

  test('spots H.264 IDR and SPS, single, STAP-A and FU-A', () => {
    assert.equal(isH264KeyframeStart(Buffer.from([0x65])), true);
    assert.equal(isH264KeyframeStart(Buffer.from([0x41])), false);
    assert.equal(isH264KeyframeStart(Buffer.from([0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68])), true);
    assert.equal(isH264KeyframeStart(Buffer.from([0x7c, 0x85])), true);
    assert.equal(isH264KeyframeStart(Buffer.from([0x7c, 0x05])), false, 'FU-A continuation');
  });

  test('RTCP: demux, compound split, PLI, FIR and REMB', () => {
    const pli = buildPli(1, 0xaabbccdd);
    assert.ok(isRtcp(pli));
    assert.ok(!isRtcp(rtp({ pt: 96, marker: true })));
    const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]);
    // REMB: 1 ssrc, exp 2, mantissa 250000 → 1 Mbps.
    const remb = Buffer.alloc(24);
    remb[0] = 0x80 | 15;
    remb[1] = 206;
    remb.writeUInt16BE(5, 2);
    remb.write('REMB', 12, 'latin1');
    remb[16] = 1;
    remb[17] = (2 << 2) | ((250000 >> 16) & 3);
    remb.writeUInt16BE(250000 & 0xffff, 18);
    remb.writeUInt32BE(0x12345678, 20);
    const fir = Buffer.alloc(20);
    fir[0] = 0x80 | 4;
    fir[1] = 206;
    fir.writeUInt16BE(4, 2);
    fir.writeUInt32BE(0x0badf00d, 12);
    const compound = Buffer.concat([rr, pli, remb, fir]);
    assert.equal(splitRtcp(compound).length, 4);
    assert.deepEqual(readFeedback(compound), [
      { kind: 'keyframe', mediaSsrc: 0xaabbccdd },
      { kind: 'remb', bitrate: 1_000_000, ssrcs: [0x12345678] },
      { kind: 'keyframe', mediaSsrc: 0x0badf00d },
    ]);
    // A truncated compound yields what was whole, and no exception.
    assert.equal(readFeedback(compound.subarray(0, 30)).length, 1);
  });

  test('sender reports round-trip through build and read', () => {
    const sr = { ssrc: 0xfeedbeef, ntpHigh: 0xe1234567, ntpLow: 0x89abcdef, rtpTimestamp: 0xfffffffe };
    const bytes = buildSenderReport(sr, 10, 2000);
    assert.ok(isRtcp(bytes));
    assert.deepEqual(readSenderReports(Buffer.concat([Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]), bytes])), [sr]);
    assert.deepEqual(readFeedback(bytes), [], 'an SR is not feedback');
  });
});
