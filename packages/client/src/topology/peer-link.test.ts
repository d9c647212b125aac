import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClientMessage } from '@lectern/protocol';
import { FakeTrack, asTrack, fakePeerConnections, flush, installFakeMediaStream, type FakePeerConnection } from '../fakes.test-helpers.js';
import { PeerLink } from './peer-link.js';
import type { LocalTracks } from './topology.js';

const REMOTE = 'remote1';

function make(opts: { polite?: boolean; initiate?: boolean; tracks?: LocalTracks } = {}) {
  const pcs = fakePeerConnections();
  const sent: ClientMessage[] = [];
  const errors: Error[] = [];
  const streams: MediaStream[] = [];
  const states: RTCPeerConnectionState[] = [];
  const tracks = opts.tracks ?? { audio: asTrack(new FakeTrack('audio')), video: asTrack(new FakeTrack('video')) };
  const link = new PeerLink(
    REMOTE,
    opts.polite ?? false,
    pcs.factory,
    { iceServers: [] },
    tracks,
    {
      send: (m) => sent.push(m),
      remoteStream: (s) => streams.push(s),
      connectionState: (s) => states.push(s),
      error: (e) => errors.push(e),
    },
    opts.initiate ?? true,
  );
  const pc = pcs.all[0] as FakePeerConnection;
  return { link, pc, sent, errors, streams, states, tracks };
}

const offer = (sdp = 'remote-offer') => ({ type: 'offer' as const, from: REMOTE, sdp });
const answer = (sdp = 'remote-answer') => ({ type: 'answer' as const, from: REMOTE, sdp });
const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('PeerLink', () => {
  before(installFakeMediaStream);

  it('the initiator adds an audio then a video transceiver, sendrecv, carrying the local tracks', () => {
    const audio = asTrack(new FakeTrack('audio'));
    const { pc } = make({ tracks: { audio, video: null } });
    assert.deepEqual(pc.calls.slice(0, 2), ['addTransceiver:audio', 'addTransceiver:video']);
    assert.equal(pc.transceivers[0]!.sender.track, audio);
    assert.equal(pc.transceivers[1]!.sender.track, null);
    assert.deepEqual(pc.transceivers.map((t) => t.direction), ['sendrecv', 'sendrecv']);
  });

  it('the answerer adds no transceivers of its own', () => {
    assert.deepEqual(make({ initiate: false }).pc.calls, []);
  });

  it('sends an offer to the remote when negotiation is needed', async () => {
    const { pc, sent } = make();
    pc.onnegotiationneeded?.();
    await flush();
    assert.deepEqual(sent, [{ type: 'offer', to: REMOTE, sdp: 'offer-sdp-1' }]);
    assert.equal(pc.signalingState, 'have-local-offer');
  });

  it('applies an answer to its own offer and sends nothing more', async () => {
    const { link, pc, sent } = make();
    pc.onnegotiationneeded?.();
    await flush();
    link.handle(answer());
    await flush();
    assert.equal(pc.signalingState, 'stable');
    assert.deepEqual(pc.remoteDescription, { type: 'answer', sdp: 'remote-answer' });
    assert.equal(sent.length, 1);
  });

  it('answers an offer and sends its local tracks on the offered m-lines', async () => {
    const { link, pc, sent, tracks, errors } = make({ initiate: false });
    link.handle(offer());
    await flush();
    assert.deepEqual(pc.calls, ['srd:offer', 'sld:answer']);
    assert.deepEqual(sent, [{ type: 'answer', to: REMOTE, sdp: 'answer-sdp' }]);
    assert.deepEqual(pc.transceivers.map((t) => t.direction), ['sendrecv', 'sendrecv']);
    assert.deepEqual(pc.transceivers.map((t) => t.sender.track), [tracks.audio, tracks.video]);
    assert.deepEqual(errors, []);
  });

  it('glare, impolite side: ignores the remote offer and keeps its own', async () => {
    const { link, pc, sent, errors } = make({ polite: false });
    pc.onnegotiationneeded?.();
    await flush();
    link.handle(offer());
    await flush();
    assert.ok(!pc.calls.includes('srd:offer'), 'impolite side applied a colliding offer');
    assert.equal(pc.signalingState, 'have-local-offer');
    assert.deepEqual(sent.map((m) => m.type), ['offer']);
    // Candidates of the ignored offer fail; that is expected and not an error.
    pc.failCandidates = true;
    link.handle({ type: 'ice-candidate', from: REMOTE, candidate });
    await flush();
    assert.deepEqual(errors, []);
  });

  it('glare, polite side: rolls back its offer and answers the remote one', async () => {
    const { link, pc, sent } = make({ polite: true });
    pc.onnegotiationneeded?.();
    await flush();
    link.handle(offer());
    await flush();
    assert.deepEqual(pc.calls.slice(-3), ['rollback', 'srd:offer', 'sld:answer']);
    assert.deepEqual(sent.map((m) => m.type), ['offer', 'answer']);
    assert.equal(pc.signalingState, 'stable');
  });

  it('handles signals one at a time in arrival order', async () => {
    const { link, pc } = make({ initiate: false });
    link.handle(offer());
    link.handle({ type: 'ice-candidate', from: REMOTE, candidate });
    link.handle({ type: 'ice-candidate', from: REMOTE, candidate: null });
    await flush();
    assert.deepEqual(pc.calls, ['srd:offer', 'sld:answer', 'addIceCandidate', 'addIceCandidate']);
    assert.deepEqual(pc.candidates, [candidate, undefined]);
  });

  it('reports a failing candidate when no offer was ignored', async () => {
    const { link, pc, errors } = make({ initiate: false });
    pc.failCandidates = true;
    link.handle({ type: 'ice-candidate', from: REMOTE, candidate });
    await flush();
    assert.equal(errors.length, 1);
    // The queue keeps going after an error.
    pc.failCandidates = false;
    link.handle({ type: 'ice-candidate', from: REMOTE, candidate });
    await flush();
    assert.equal(pc.candidates.length, 1);
  });

  it('trickles local candidates, and null for the end of candidates', () => {
    const { pc, sent } = make();
    pc.onicecandidate?.({ candidate: { toJSON: () => candidate } });
    pc.onicecandidate?.({ candidate: null });
    assert.deepEqual(sent, [
      { type: 'ice-candidate', to: REMOTE, candidate },
      { type: 'ice-candidate', to: REMOTE, candidate: null },
    ]);
  });

  it('collects remote tracks in one stream, replacing a track of the same kind', () => {
    const { link, pc, streams } = make();
    const a = new FakeTrack('audio');
    const v1 = new FakeTrack('video');
    const v2 = new FakeTrack('video');
    pc.ontrack?.({ track: asTrack(a) });
    pc.ontrack?.({ track: asTrack(v1) });
    pc.ontrack?.({ track: asTrack(v2) });
    assert.equal(streams.length, 3);
    assert.equal(streams[2], link.stream);
    assert.deepEqual(link.stream.getTracks(), [a, v2]);
  });

  it('setLocalTracks replaces sender tracks without renegotiating, only when they change', async () => {
    const { link, pc, tracks, sent } = make();
    await flush();
    assert.equal(sent.filter((m) => m.type === 'offer').length, 1, 'the initial offer');
    sent.length = 0;
    const newVideo = asTrack(new FakeTrack('video'));
    link.setLocalTracks({ audio: tracks.audio, video: newVideo });
    await flush();
    assert.deepEqual(pc.transceivers[0]!.replaced, []);
    assert.deepEqual(pc.transceivers[1]!.replaced, [newVideo]);
    link.setLocalTracks({ audio: null, video: newVideo });
    assert.deepEqual(pc.transceivers[0]!.replaced, [null]);
    assert.deepEqual(sent, []);
  });

  it('forwards connection states and restarts ICE on failure', () => {
    const { pc, states } = make();
    pc.setConnectionState('connecting');
    pc.setConnectionState('connected');
    assert.ok(!pc.calls.includes('restartIce'));
    pc.setConnectionState('failed');
    assert.deepEqual(states, ['connecting', 'connected', 'failed']);
    assert.ok(pc.calls.includes('restartIce'));
  });

  it('close() is idempotent, detaches handlers and ignores later signals', async () => {
    const { link, pc, sent } = make({ initiate: false });
    link.close();
    link.close();
    assert.deepEqual(pc.calls.filter((c) => c === 'close'), ['close']);
    assert.equal(pc.onnegotiationneeded, null);
    assert.equal(pc.onicecandidate, null);
    assert.equal(pc.ontrack, null);
    assert.equal(pc.onconnectionstatechange, null);
    link.handle(offer());
    await flush();
    assert.ok(!pc.calls.includes('srd:offer'));
    assert.deepEqual(sent, []);
  });
});
