import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { ClientMessage } from '@lectern/protocol';
import { FakeClock, FakePeerConnection, flush } from '../fakes.test-helpers.js';
import { DataLinks } from './data-link.js';
import type { InboundSignal } from './topology.js';
import { MeshTopology } from './mesh.js';

/** A data channel that fires `close` listeners, as a browser's does. */
class FakeChannel {
  readyState: RTCDataChannelState = 'connecting';
  readonly #onClose: Array<() => void> = [];
  constructor(readonly label: string) {}
  addEventListener(type: string, fn: () => void): void {
    if (type === 'close') this.#onClose.push(fn);
  }
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    for (const fn of this.#onClose) fn();
  }
}

class DataPeerConnection extends FakePeerConnection {
  readonly channels: FakeChannel[] = [];
  override createDataChannel(label: string): FakeChannel {
    this.calls.push(`createDataChannel:${label}`);
    const c = new FakeChannel(label);
    this.channels.push(c);
    return c;
  }
}

const ICE = [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }];
const IDLE_MS = 1000;

function make() {
  const pcs: DataPeerConnection[] = [];
  const sent: ClientMessage[] = [];
  const remote: Array<[string, RTCDataChannel]> = [];
  const links = new DataLinks(
    (config) => {
      const pc = new DataPeerConnection(config);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    () => ({ iceServers: ICE, iceTransportPolicy: 'relay' }),
    { send: (m) => sent.push(m), dataChannel: (id, c) => remote.push([id, c]), error: (e) => assert.fail(e) },
    IDLE_MS,
  );
  return { links, pcs, sent, remote };
}

const signal = (s: Record<string, unknown>) => s as unknown as InboundSignal;

describe('DataLinks: on-demand data connections for file transfer in SFU mode', () => {
  it('the first channel to a participant creates a connection with the session ICE servers and offers it, marked opener; later channels reuse it', async () => {
    const { links, pcs, sent } = make();
    const c1 = links.open('bob', 'file:one');
    await flush();
    assert.equal(pcs.length, 1);
    assert.deepEqual(pcs[0]!.config, { iceServers: ICE, iceTransportPolicy: 'relay' }, 'TURN as in mesh');
    assert.equal(c1?.label, 'file:one');
    assert.deepEqual(sent, [{ type: 'offer', to: 'bob', sdp: 'offer-sdp-1', dataLink: 'opener' }]);
    links.open('bob', 'file:two');
    await flush();
    assert.equal(pcs.length, 1, 'one connection per participant and direction');
    assert.equal(sent.length, 1, 'no second offer: SCTP carries new channels');
    // The answer and the acceptor's candidates reach this link.
    links.handle(signal({ type: 'answer', from: 'bob', sdp: 'answer', dataLink: 'acceptor' }));
    links.handle(signal({ type: 'ice-candidate', from: 'bob', candidate: { candidate: 'candidate:x' }, dataLink: 'acceptor' }));
    await flush();
    assert.deepEqual(pcs[0]!.calls.filter((c) => c.startsWith('srd') || c === 'addIceCandidate'), ['srd:answer', 'addIceCandidate']);
    // Our own candidates go out marked with our end.
    pcs[0]!.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: 'candidate:y', sdpMid: '0' }) } });
    assert.deepEqual(sent.at(-1), { type: 'ice-candidate', to: 'bob', candidate: { candidate: 'candidate:y', sdpMid: '0' }, dataLink: 'opener' });
  });

  it('an offer marked opener creates the accepting end, which answers marked acceptor and hands remote channels over', async () => {
    const { links, pcs, sent, remote } = make();
    links.handle(signal({ type: 'offer', from: 'ann', sdp: 'offer', dataLink: 'opener' }));
    await flush();
    await flush();
    assert.equal(pcs.length, 1);
    assert.deepEqual(sent, [{ type: 'answer', to: 'ann', sdp: 'answer-sdp', dataLink: 'acceptor' }]);
    const channel = new FakeChannel('file:abc') as unknown as RTCDataChannel;
    pcs[0]!.ondatachannel?.({ channel });
    assert.deepEqual(remote, [['ann', channel]]);
    // Candidates from the opener go to this end, not to a link of our own.
    links.handle(signal({ type: 'ice-candidate', from: 'ann', candidate: null, dataLink: 'opener' }));
    await flush();
    assert.ok(pcs[0]!.calls.includes('addIceCandidate'));
    assert.equal(pcs.length, 1);
  });

  it('both sides opening at once get two separate connections (no glare)', async () => {
    const { links, pcs, sent } = make();
    links.open('bob', 'file:mine');
    links.handle(signal({ type: 'offer', from: 'bob', sdp: 'offer', dataLink: 'opener' }));
    await flush();
    await flush();
    assert.equal(pcs.length, 2);
    assert.deepEqual(
      sent.map((m) => [m.type, (m as { dataLink?: string }).dataLink]),
      [
        ['offer', 'opener'],
        ['answer', 'acceptor'],
      ],
    );
    assert.ok(!pcs[0]!.calls.includes('rollback') && !pcs[1]!.calls.includes('rollback'));
  });

  it('closes once no channel has been open for the idle time; a channel opened meanwhile keeps it', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { links, pcs } = make();
      links.open('bob', 'file:one');
      pcs[0]!.channels[0]!.close();
      mock.timers.tick(IDLE_MS - 1);
      links.open('bob', 'file:two');
      mock.timers.tick(IDLE_MS * 2);
      assert.equal(pcs[0]!.closed, false, 'a channel is open again');
      pcs[0]!.channels[1]!.close();
      mock.timers.tick(IDLE_MS);
      assert.equal(pcs[0]!.closed, true);
      assert.equal(links.size, 0);
      // The next transfer starts a fresh connection.
      links.open('bob', 'file:three');
      assert.equal(pcs.length, 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('a failed connection closes; a participant leaving closes both ends; signals without the marker are not for it', async () => {
    const { links, pcs } = make();
    links.open('bob', 'file:one');
    pcs[0]!.setConnectionState('failed');
    assert.equal(pcs[0]!.closed, true);
    assert.equal(links.size, 0);
    links.open('bob', 'file:two');
    links.handle(signal({ type: 'offer', from: 'bob', sdp: 'offer', dataLink: 'opener' }));
    links.handle(signal({ type: 'offer', from: 'cy', sdp: 'offer' }));
    await flush();
    assert.equal(links.size, 2, 'an unmarked offer is mesh negotiation, not a data link');
    links.remove('bob');
    assert.equal(links.size, 0);
    assert.ok(pcs.every((pc) => pc.closed));
    links.close();
    assert.equal(links.open('bob', 'file:x'), null, 'nothing opens after close');
  });

  it('mesh ignores data-link signals (they belong to the SFU topology)', async () => {
    const pcs: FakePeerConnection[] = [];
    const mesh = new MeshTopology('me', { iceServers: [], iceTransportPolicy: 'all' }, (c) => {
      const pc = new FakePeerConnection(c);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    }, () => {}, new FakeClock());
    mesh.handleSignal(signal({ type: 'offer', from: 'bob', sdp: 'offer', dataLink: 'opener' }));
    await flush();
    assert.equal(pcs.length, 0);
    mesh.close();
  });
});
