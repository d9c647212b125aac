import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { asTrack, FakeTrack, fakePeerConnections, flush, installFakeMediaStream, type FakePeerConnection } from '../fakes.test-helpers.js';
import { LINK_CHANNEL_LABEL, PeerLink } from './peer-link.js';

function make(initiate: boolean) {
  const pcs = fakePeerConnections();
  const channels: RTCDataChannel[] = [];
  const link = new PeerLink(
    'remote1',
    false,
    pcs.factory,
    { iceServers: [] },
    { audio: asTrack(new FakeTrack('audio')), video: null },
    { send: () => {}, remoteStream: () => {}, connectionState: () => {}, error: () => {}, dataChannel: (c) => channels.push(c) },
    initiate,
  );
  return { link, pc: pcs.all[0] as FakePeerConnection, channels };
}

describe('PeerLink data channels', () => {
  before(installFakeMediaStream);

  it('the initiator opens its data channel before the first offer, so the offer carries SCTP', async () => {
    const { pc } = make(true);
    await flush();
    const created = pc.calls.indexOf(`createDataChannel:${LINK_CHANNEL_LABEL}`);
    assert.ok(created >= 0, 'created the link channel');
    assert.ok(created < pc.calls.indexOf('sld:offer'), 'before the offer');
  });

  it('the answerer creates no channel (that would start an offer of its own and collide)', async () => {
    const { pc } = make(false);
    await flush();
    assert.ok(!pc.calls.some((c) => c.startsWith('createDataChannel')));
  });

  it('hands remote channels to the host, except the link channel', () => {
    const { pc, channels } = make(false);
    const link = { label: LINK_CHANNEL_LABEL } as RTCDataChannel;
    const file = { label: 'file:abcdefgh12' } as RTCDataChannel;
    pc.ondatachannel?.({ channel: link });
    pc.ondatachannel?.({ channel: file });
    assert.deepEqual(channels, [file]);
  });

  it('opens channels on request and refuses once closed', () => {
    const { link, pc } = make(true);
    assert.equal(link.openDataChannel('file:abcdefgh12').label, 'file:abcdefgh12');
    assert.ok(pc.calls.includes('createDataChannel:file:abcdefgh12'));
    link.close();
    assert.throws(() => link.openDataChannel('file:x'));
  });
});
