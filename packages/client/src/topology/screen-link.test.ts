import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClientMessage } from '@lectern/protocol';
import {
  FakeMediaStream,
  FakeTrack,
  asTrack,
  fakePeerConnections,
  fakeSdp,
  flush,
  installFakeMediaStream,
  type FakeMLine,
  type FakePeerConnection,
} from '../fakes.test-helpers.js';
import { SCREEN_VIDEO_ENCODING, type LocalScreenTracks } from '../screen-capture.js';
import { PeerLink } from './peer-link.js';

const REMOTE = 'remote1';
const CAMERA: FakeMLine[] = [
  { mid: '0', kind: 'audio', direction: 'sendrecv' },
  { mid: '1', kind: 'video', direction: 'sendrecv' },
];
const REMOTE_SCREEN: FakeMLine[] = [
  { mid: '2', kind: 'video', direction: 'sendonly', msid: 'their-screen' },
  { mid: '3', kind: 'audio', direction: 'sendonly', msid: 'their-screen' },
];

function screen(audio = true): LocalScreenTracks {
  const video = asTrack(new FakeTrack('video'));
  const a = audio ? asTrack(new FakeTrack('audio')) : null;
  const stream = new FakeMediaStream([video, ...(a ? [a] : [])] as unknown as FakeTrack[]) as unknown as MediaStream;
  return { stream, video, audio: a };
}

/** A link with a camera, optionally already sharing `shared`. */
function make(opts: { initiate: boolean; polite?: boolean; shared?: LocalScreenTracks | null }) {
  const pcs = fakePeerConnections();
  const sent: ClientMessage[] = [];
  const errors: Error[] = [];
  const screens: Array<{ stream: MediaStream | null; id: string | null }> = [];
  const cameraStreams: MediaStream[] = [];
  const camera = { audio: asTrack(new FakeTrack('audio')), video: asTrack(new FakeTrack('video')) };
  const link = new PeerLink(
    REMOTE,
    opts.polite ?? false,
    pcs.factory,
    { iceServers: [] },
    camera,
    {
      send: (m) => sent.push(m),
      remoteStream: (s) => cameraStreams.push(s),
      remoteScreen: (stream, id) => screens.push({ stream, id }),
      connectionState: () => {},
      error: (e) => errors.push(e),
    },
    opts.initiate,
    opts.shared ?? null,
  );
  const pc = pcs.all[0] as FakePeerConnection;
  const offers = () => sent.filter((m) => m.type === 'offer').length;
  return { link, pc, sent, errors, screens, cameraStreams, camera, offers };
}

/** The remote answers our latest offer (with these m-lines, when it matters what it sends). */
async function answer(link: PeerLink, lines?: FakeMLine[]): Promise<void> {
  link.handle({ type: 'answer', from: REMOTE, sdp: lines ? fakeSdp(lines) : 'remote-answer' });
  await flush();
}

/** The remote sends an offer with these m-lines. */
async function remoteOffer(link: PeerLink, lines: FakeMLine[]): Promise<void> {
  link.handle({ type: 'offer', from: REMOTE, sdp: fakeSdp(lines) });
  await flush();
}

describe('PeerLink screen sharing', () => {
  before(installFakeMediaStream);

  it('an initiator already sharing offers camera first, then the screen as sendonly video and audio with the text profile', async () => {
    const s = screen();
    const { pc, offers, errors } = make({ initiate: true, shared: s });
    await flush();
    assert.deepEqual(
      pc.calls.filter((c) => c.startsWith('addTransceiver')),
      ['addTransceiver:audio', 'addTransceiver:video', 'addTransceiver:video', 'addTransceiver:audio'],
    );
    const [, , video, audio] = pc.transceivers;
    assert.deepEqual([video!.direction, audio!.direction], ['sendonly', 'sendonly']);
    assert.deepEqual([video!.sender.track, audio!.sender.track], [s.video, s.audio]);
    assert.deepEqual(video!.init.streams, [s.stream], 'the screen stream is the msid receivers match');
    assert.deepEqual(video!.init.sendEncodings, [SCREEN_VIDEO_ENCODING]);
    assert.equal(video!.sender.getParameters().degradationPreference, 'maintain-resolution');
    assert.equal(offers(), 1, 'one offer carries everything');
    assert.deepEqual(errors, []);
  });

  it('starting to share mid-call adds transceivers after the camera and renegotiates; stopping turns them inactive; sharing again reuses them', async () => {
    const { link, pc, offers, camera } = make({ initiate: true });
    await flush();
    await answer(link);
    assert.equal(pc.transceivers.length, 2);

    const first = screen();
    link.setLocalScreen(first);
    assert.equal(pc.transceivers.length, 4);
    pc.onnegotiationneeded?.();
    await flush();
    assert.equal(offers(), 2, 'adding the screen renegotiates');
    await answer(link);
    assert.deepEqual(pc.transceivers.slice(2).map((t) => t.currentDirection), ['sendonly', 'sendonly']);

    link.setLocalScreen(null);
    assert.deepEqual(pc.transceivers.slice(2).map((t) => [t.direction, t.sender.track]), [['inactive', null], ['inactive', null]]);

    const second = screen(false);
    link.setLocalScreen(second);
    assert.equal(pc.transceivers.length, 4, 'no new m-lines for the next share');
    assert.deepEqual(pc.transceivers.slice(2).map((t) => [t.direction, t.sender.track]), [['sendonly', second.video], ['inactive', null]]);
    // The camera never moved.
    assert.deepEqual(pc.transceivers.slice(0, 2).map((t) => t.sender.track), [camera.audio, camera.video]);
  });

  it('an answerer that shares waits for the first offer, keeps the offered m-lines for its camera, then offers its screen', async () => {
    const s = screen();
    const { link, pc, sent, camera, offers } = make({ initiate: false, polite: true, shared: s });
    assert.equal(pc.transceivers.length, 0, 'nothing before the offerer fixes the m-line order');
    await remoteOffer(link, CAMERA);
    assert.equal(sent[0]?.type, 'answer');
    assert.deepEqual(pc.transceivers.map((t) => t.sender.track), [camera.audio, camera.video, s.video, s.audio]);
    assert.deepEqual(pc.transceivers.map((t) => t.direction), ['sendrecv', 'sendrecv', 'sendonly', 'sendonly']);
    pc.onnegotiationneeded?.();
    await flush();
    assert.equal(offers(), 1);
  });

  it('receives the remote screen apart from the camera, with its msid stream id, and drops it when it goes inactive', async () => {
    const { link, pc, screens, cameraStreams } = make({ initiate: false });
    await remoteOffer(link, [...CAMERA, ...REMOTE_SCREEN]);
    assert.equal(screens.length, 1);
    const got = screens[0]!;
    assert.equal(got.id, 'their-screen');
    const screenTracks = pc.transceivers.slice(2).map((t) => t.receiver.track);
    assert.deepEqual(got.stream?.getTracks(), screenTracks);
    // The camera stream saw only the camera's tracks.
    const cameraTracks = cameraStreams.at(-1)?.getTracks() ?? [];
    assert.ok(cameraTracks.every((t) => !(screenTracks as unknown[]).includes(t)));
    assert.deepEqual([...link.screenMids()].sort(), ['2', '3']);

    // Our camera transceivers did not become the screen's, and the screen's stay receive-only.
    assert.deepEqual(pc.transceivers.map((t) => t.direction), ['sendrecv', 'sendrecv', 'recvonly', 'recvonly']);

    await remoteOffer(link, [...CAMERA, ...REMOTE_SCREEN.map((m) => ({ ...m, direction: 'inactive' as const }))]);
    assert.deepEqual(screens.at(-1), { stream: null, id: null });

    await remoteOffer(link, [...CAMERA, ...REMOTE_SCREEN]);
    assert.equal(screens.at(-1)?.id, 'their-screen');
    assert.notEqual(screens.at(-1)?.stream, got.stream, 'a new stream object, so players notice');
  });

  it('glare, both sharing at once: the polite side rolls back, takes the remote screen, and still sends its own', async () => {
    const mine = screen();
    const { link, pc, screens, sent, offers } = make({ initiate: true, polite: true });
    await flush();
    await answer(link);
    link.setLocalScreen(mine);
    pc.onnegotiationneeded?.();
    await flush();
    assert.equal(pc.signalingState, 'have-local-offer');
    // The remote's offer, with its own screen, crosses ours.
    await remoteOffer(link, [...CAMERA, ...REMOTE_SCREEN]);
    assert.ok(pc.calls.includes('rollback'));
    assert.equal(sent.at(-1)?.type, 'answer');
    assert.equal(screens.at(-1)?.id, 'their-screen');
    // Our screen transceivers survived the rollback and are offered next.
    const own = pc.transceivers.filter((t) => t.sender.track === mine.video || t.sender.track === mine.audio);
    assert.equal(own.length, 2);
    assert.ok(own.every((t) => t.direction === 'sendonly'));
    pc.onnegotiationneeded?.();
    await flush();
    assert.equal(offers(), 3);
    const ownMids = own.map((t) => t.mid!);
    await answer(link, [
      ...CAMERA,
      ...REMOTE_SCREEN,
      { mid: ownMids[0]!, kind: 'video', direction: 'recvonly' },
      { mid: ownMids[1]!, kind: 'audio', direction: 'recvonly' },
    ]);
    assert.ok(own.every((t) => t.currentDirection === 'sendonly'));
    assert.equal(screens.at(-1)?.id, 'their-screen', 'still receiving theirs');
    assert.equal(new Set(pc.transceivers.map((t) => t.mid)).size, pc.transceivers.length, 'every m-line has its own mid');
  });

  it('glare, impolite side: ignores the crossing offer and keeps its screen in its own offer', async () => {
    const mine = screen();
    const { link, pc, screens } = make({ initiate: true, polite: false });
    await flush();
    await answer(link);
    link.setLocalScreen(mine);
    pc.onnegotiationneeded?.();
    await flush();
    await remoteOffer(link, [...CAMERA, ...REMOTE_SCREEN]);
    assert.ok(!pc.calls.includes('rollback'));
    assert.equal(pc.signalingState, 'have-local-offer');
    assert.equal(screens.length, 0);
    await answer(link);
    // The polite side then offers its screen again, after our screen's m-lines (2 and 3).
    await remoteOffer(link, [
      ...CAMERA,
      { mid: '2', kind: 'video', direction: 'recvonly' },
      { mid: '3', kind: 'audio', direction: 'recvonly' },
      ...REMOTE_SCREEN.map((m) => ({ ...m, mid: String(Number(m.mid) + 2) })),
    ]);
    assert.equal(screens.at(-1)?.id, 'their-screen');
    assert.equal(pc.transceivers.filter((t) => t.currentDirection === 'sendonly').length, 2);
  });
});
