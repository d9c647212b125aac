import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClientMessage } from '@lectern/protocol';
import { FakeClock, FakeTrack, asTrack, fakePeerConnections, flush, installFakeMediaStream } from '../fakes.test-helpers.js';
import { MeshTopology } from './mesh.js';

function make(selfId = 'mmm') {
  const pcs = fakePeerConnections();
  const sent: ClientMessage[] = [];
  const mesh = new MeshTopology(selfId, { iceServers: [{ urls: 'turn:t.example', username: 'u', credential: 'c' }], iceTransportPolicy: 'relay' }, pcs.factory, (m) => sent.push(m), new FakeClock()); // the clock stands still: no spare
  return { mesh, pcs, sent };
}

describe('MeshTopology', () => {
  before(installFakeMediaStream);

  it('makes one peer connection per remote with the ICE settings', () => {
    const { mesh, pcs } = make();
    mesh.addPeer('aaa', true);
    mesh.addPeer('zzz', true);
    assert.equal(pcs.all.length, 2);
    assert.deepEqual(pcs.all[0]!.config, {
      iceServers: [{ urls: 'turn:t.example', username: 'u', credential: 'c' }],
      iceTransportPolicy: 'relay',
      bundlePolicy: 'max-bundle',
    });
  });

  it('the side with the larger id is polite on glare', async () => {
    const { mesh, pcs, sent } = make('mmm');
    mesh.addPeer('aaa', true); // we are larger: polite
    mesh.addPeer('zzz', true); // we are smaller: impolite
    for (const pc of pcs.all) pc.onnegotiationneeded?.();
    await flush();
    mesh.handleSignal({ type: 'offer', from: 'aaa', sdp: 'o1' });
    mesh.handleSignal({ type: 'offer', from: 'zzz', sdp: 'o2' });
    await flush();
    assert.deepEqual(
      sent.filter((m) => m.type === 'answer').map((m) => (m as { to: string }).to),
      ['aaa'],
    );
  });

  it('an offer from an unknown participant creates an answering link', async () => {
    const { mesh, pcs, sent } = make();
    mesh.handleSignal({ type: 'offer', from: 'new1', sdp: 'o' });
    await flush();
    assert.equal(pcs.all.length, 1);
    assert.ok(!pcs.all[0]!.calls.includes('addTransceiver:audio'));
    assert.deepEqual(sent, [{ type: 'answer', to: 'new1', sdp: 'answer-sdp' }]);
  });

  it('answers and candidates from unknown participants are dropped', async () => {
    const { mesh, pcs } = make();
    mesh.handleSignal({ type: 'answer', from: 'x', sdp: 'a' });
    mesh.handleSignal({ type: 'ice-candidate', from: 'x', candidate: null });
    await flush();
    assert.equal(pcs.all.length, 0);
  });

  it('removePeer closes the link; addPeer again replaces the old link', () => {
    const { mesh, pcs } = make();
    mesh.addPeer('aaa', true);
    mesh.addPeer('aaa', false);
    assert.equal(pcs.all[0]!.closed, true);
    assert.equal(pcs.all[1]!.closed, false);
    mesh.removePeer('aaa');
    assert.equal(pcs.all[1]!.closed, true);
  });

  it('local tracks go to existing and future links', () => {
    const { mesh, pcs } = make();
    mesh.addPeer('aaa', true);
    const audio = asTrack(new FakeTrack('audio'));
    mesh.setLocalTracks({ audio, video: null });
    assert.deepEqual(pcs.all[0]!.transceivers[0]!.replaced, [audio]);
    mesh.addPeer('bbb', true);
    assert.equal(pcs.all[1]!.transceivers[0]!.sender.track, audio);
  });

  it('re-emits link events with the participant id', () => {
    const { mesh, pcs } = make();
    const events: string[] = [];
    mesh.on('connectionState', (id, s) => events.push(`${id}:${s}`));
    mesh.on('remoteStream', (id) => events.push(`${id}:stream`));
    mesh.addPeer('aaa', true);
    pcs.all[0]!.setConnectionState('connected');
    pcs.all[0]!.ontrack?.({ track: asTrack(new FakeTrack('video')) });
    assert.deepEqual(events, ['aaa:connected', 'aaa:stream']);
  });

  it('stats() summarises the link and is null for strangers', async () => {
    const { mesh, pcs } = make();
    mesh.addPeer('aaa', true);
    pcs.all[0]!.connectionState = 'connected';
    pcs.all[0]!.stats = new Map([['a', { id: 'a', type: 'inbound-rtp', kind: 'audio', packetsReceived: 42 }]]) as unknown as RTCStatsReport;
    const s = await mesh.stats('aaa');
    assert.equal(s?.audioPacketsReceived, 42);
    assert.equal(s?.connectionState, 'connected');
    assert.equal(await mesh.stats('nobody'), null);
    assert.equal(mesh.audioLevel('nobody'), 0);
  });

  it('close() closes every link, is idempotent, and ignores later peers', () => {
    const { mesh, pcs } = make();
    mesh.addPeer('aaa', true);
    mesh.addPeer('bbb', true);
    mesh.close();
    mesh.close();
    assert.deepEqual(pcs.all.map((p) => p.calls.filter((c) => c === 'close').length), [1, 1]);
    mesh.addPeer('ccc', true);
    assert.equal(pcs.all.length, 2);
  });
});
