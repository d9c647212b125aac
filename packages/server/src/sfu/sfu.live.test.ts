import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '@lectern/protocol';
import { Live } from '../live-support.test.js';

let live: Live;
after(async () => {
  await live?.stop();
});

describe('SFU signaling against a live server', () => {
  test('joined says sfu, the server offers the subscribe connection with fixed slots and says who fills them', async () => {
    live = await Live.start({ topology: 'sfu', sfuPort: 0, maxParticipants: 10 });
    const a = await live.ready();
    const code = await a.create();
    const joined = await a.joined(code, 'Ada');
    assert.equal(joined.topology, 'sfu');
    const offer = await a.next('sfu-subscribe-offer', undefined, 5000);
    const mids = [...offer.sdp.matchAll(/^a=mid:(\S+)/gm)].map((m) => m[1]);
    // Three audio slots, last-N (9) camera slots, and two for shared screens (outside last-N).
    assert.deepEqual(mids, ['a0', 'a1', 'a2', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 's0', 's1']);
    assert.match(offer.sdp, /a=sendonly/);
    // /healthz shows the SFU's sessions and its outgoing media counters.
    const health = (await (await fetch(`${live.httpUrl}/healthz`)).json()) as { sfu?: Record<string, number> };
    assert.deepEqual(health.sfu, { sessions: 1, forwarded: 0, nacked: 0, retransmitted: 0, dropped: 0 });
  });

  test('garbage offers, answers and candidates get BAD_MESSAGE or are ignored; the server stays up', async () => {
    const a = await live.ready();
    const code = await a.create();
    await a.joined(code, 'Ada');
    await a.next('sfu-subscribe-offer', undefined, 5000);
    for (const sdp of ['garbage', 'v=0\r\n', 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 iLBC/8000\r\n', 'v=0\r\nm=video x\r\n'.repeat(50)]) {
      a.send({ type: 'sfu-publish', sdp });
      const e = await a.next('error', undefined, 5000);
      assert.equal(e.code, ErrorCodes.BAD_MESSAGE, sdp.slice(0, 20));
      a.send({ type: 'sfu-subscribe-answer', sdp });
      assert.equal((await a.next('error', undefined, 5000)).code, ErrorCodes.BAD_MESSAGE);
    }
    for (const candidate of [{ candidate: 'nonsense' }, { candidate: 'candidate:1 1 udp 1 999.1.1.1 99999 typ host', sdpMid: 'zz' }, null]) {
      a.send({ type: 'sfu-candidate', pc: 'publish', candidate });
      a.send({ type: 'sfu-candidate', pc: 'subscribe', candidate });
    }
    await a.roundTrip();
    assert.ok(a.open);
    // A mesh-only client message in an SFU session, and SFU messages before joining.
    const outsider = await live.ready();
    outsider.send({ type: 'sfu-publish', sdp: 'v=0\r\n' });
    assert.equal((await outsider.next('error')).code, ErrorCodes.NOT_JOINED);
  });
});
