import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ndc from 'node-datachannel';
import { pino } from 'pino';
import type { ServerMessage } from '@lectern/protocol';
import { freeUdpPort } from '../network.js';
import { parseRtp } from './rtp.js';
import { rtp } from './rtp.test-helpers.js';
import type { SlotCodec } from './slot.js';
import { SfuRoom } from './sfu-room.js';
import type { SfuPeer } from './sfu-peer.js';

/**
 * A room of real SfuPeers (their connections never connect): publishers' packets are handed to
 * `SfuPeer.receive` as their publish connection would, and what each receiver's slots forward
 * is read from the slots' own counters. Everything between (selection, layers, slots) is real.
 */

/** A publish offer with one Opus and one VP8 stream (as libdatachannel writes one; Chromium's says the same here). */
const OFFER = [
  'v=0',
  'o=rtc 2354262568 0 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic:WMS *',
  'a=ice-options:ice2,trickle',
  'a=fingerprint:sha-256 E7:15:11:B3:0A:21:12:1D:D0:2A:C7:9E:8C:8E:5A:24:93:57:F7:6D:A9:27:C3:66:4E:92:92:2E:96:52:37:D1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=setup:actpass',
  'a=ice-ufrag:ggob',
  'a=ice-pwd:7N/oLYvtQWSHEYiOn0NK09',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack pli',
  'a=rtcp-fb:96 goog-remb',
  'a=setup:actpass',
  'a=ice-ufrag:ggob',
  'a=ice-pwd:7N/oLYvtQWSHEYiOn0NK09',
  '',
].join('\r\n');

let port = 0;
const rooms: SfuRoom[] = [];
before(async () => {
  port = await freeUdpPort('127.0.0.1');
});
after(() => {
  for (const r of rooms) r.close();
  // libdatachannel's threads would keep the test process alive.
  ndc.cleanup();
});

function room(lastN: number) {
  const sent: Array<{ to: string; message: ServerMessage }> = [];
  const r = new SfuRoom('abc-defg-hjk', { network: { port, bindAddress: '127.0.0.1' }, lastN, audioSlots: 1 }, (to, message) => sent.push({ to, message }), pino({ level: 'silent' }));
  rooms.push(r);
  return { room: r, sent };
}

/** Each publisher sends one VP8 keyframe packet per call (a stream of keyframes: any may start a slot). */
function publishers(peers: SfuPeer[]): () => void {
  let seq = 0;
  for (const p of peers) p.publish(OFFER);
  return () => {
    seq++;
    for (const [i, p] of peers.entries()) p.receive('video', rtp({ pt: 96, ssrc: 0x100 + i, seq, ts: seq * 3000, marker: true, payload: [0x10, 0x00, 0x9d, 0x01, 0x2a] }));
  };
}

/** Who the receiver's video slots carry, and how many packets each has forwarded. */
function videoSlots(receiver: SfuPeer): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of receiver.videoSlots) if (s.participantId) out.set(s.participantId, s.slot.packets);
  return out;
}

/** Sends media until `done` holds (the room re-ranks slots every 400 ms), or fails after 5 s. */
async function pumpUntil(pump: () => void, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    pump();
    if (done()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SfuRoom: the paged grid (a hidden tile gets no video; shown ones get slots first)', () => {
  test('with fewer slots than publishers, the ones the viewer shows take the slots, whatever the join order', async () => {
    const { room: r, sent } = room(2);
    const viewer = r.add('viewer');
    const [a, b, c] = ['a', 'b', 'c'].map((id) => r.add(id));
    const pump = publishers([a!, b!, c!]);
    // Before the viewer says what it shows, join order decides: a and b.
    await pumpUntil(pump, () => [...videoSlots(viewer).keys()].sort().join() === 'a,b', 'a and b in the slots');
    // The viewer's page shows b and c; a is on another page (height 0).
    r.view('viewer', [
      { participantId: 'a', height: 0 },
      { participantId: 'b', height: 360 },
      { participantId: 'c', height: 360 },
    ]);
    await pumpUntil(pump, () => [...videoSlots(viewer).keys()].sort().join() === 'b,c', 'b and c in the slots');
    const slots = sent.filter((m) => m.to === 'viewer' && m.message.type === 'sfu-slots').at(-1)!.message;
    assert.ok(slots.type === 'sfu-slots');
    assert.deepEqual(slots.slots.filter((s) => s.kind === 'video').map((s) => s.participantId).sort(), ['b', 'c'], 'the viewer is told');
    // Both shown streams flow; nothing of a does.
    const first = videoSlots(viewer);
    await pumpUntil(pump, () => [...videoSlots(viewer)].every(([id, n]) => n > first.get(id)!), 'b and c to be forwarded');
    assert.equal(videoSlots(viewer).has('a'), false);
  });

  test('a participant on another page may hold a spare slot, but none of its video is forwarded; paging back brings it', async () => {
    const { room: r } = room(3);
    const viewer = r.add('viewer');
    const [a, b] = ['a', 'b'].map((id) => r.add(id));
    const pump = publishers([a!, b!]);
    r.view('viewer', [
      { participantId: 'a', height: 0 },
      { participantId: 'b', height: 360 },
    ]);
    await pumpUntil(pump, () => videoSlots(viewer).size === 2 && videoSlots(viewer).get('b')! > 10, 'both in slots, b flowing');
    for (let i = 0; i < 20; i++) pump();
    assert.equal(videoSlots(viewer).get('a'), 0, 'the hidden participant forwards nothing');
    const slotOfA = viewer.videoSlots.find((s) => s.participantId === 'a')!;
    assert.equal(slotOfA.slot.source, null, 'no layer chosen for a hidden tile');
    // The next page: a shown, b hidden.
    r.view('viewer', [
      { participantId: 'a', height: 360 },
      { participantId: 'b', height: 0 },
    ]);
    const bBefore = videoSlots(viewer).get('b')!;
    await pumpUntil(pump, () => videoSlots(viewer).get('a')! > 10, 'a to be forwarded once shown');
    assert.equal(videoSlots(viewer).get('b'), bBefore, 'b stopped the moment it was hidden');
  });
});

describe('SfuPeer: codecs on its slots', () => {
  test('camera and screen slots alike send H.264 under its own payload type (102) and VP8 under 96', () => {
    const { room: r } = room(1);
    const viewer = r.add('viewer');
    const codecs = new Map<number, SlotCodec>([
      [107, 'H264'],
      [100, 'VP8'],
    ]);
    for (const s of [viewer.videoSlots[0]!, viewer.screenSlots[0]!]) {
      s.slot.setSource(0xabc, codecs);
      // An H.264 IDR starts the stream; a VP8 packet of the same source follows.
      const h264 = s.slot.forward(rtp({ pt: 107, ssrc: 0xabc, seq: 1, payload: [0x65, 0x88] }));
      const vp8 = s.slot.forward(rtp({ pt: 100, ssrc: 0xabc, seq: 2, payload: [0x10, 0x00] }));
      assert.deepEqual([parseRtp(h264!)!.payloadType, parseRtp(vp8!)!.payloadType], [102, 96], s.mid);
    }
  });
});
