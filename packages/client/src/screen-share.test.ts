import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ErrorCodes, LecternError, type ClientMessage, type ScreenShareInfo } from '@lectern/protocol';
import { FakeMediaStream, FakeTrack, installFakeMediaStream } from './fakes.test-helpers.js';
import { RemoteParticipant } from './participant.js';
import { SCREEN_CAPTURE_OPTIONS, ScreenCapture, screenShareError, type LocalScreenTracks } from './screen-capture.js';
import { RoomScreenShare } from './screen-share.js';
import type { Topology } from './topology/topology.js';

/** A getDisplayMedia that hands out fake captures (or fails), recording what it was asked. */
function display(opts: { audio?: boolean; fail?: string } = {}) {
  const asked: Array<DisplayMediaStreamOptions | undefined> = [];
  const captures: Array<{ video: FakeTrack; audio: FakeTrack | null }> = [];
  let fail = opts.fail;
  return {
    asked,
    captures,
    failNext(name: string) {
      fail = name;
    },
    port: {
      getDisplayMedia: async (o?: DisplayMediaStreamOptions) => {
        asked.push(o);
        if (fail) {
          const name = fail;
          fail = undefined;
          throw Object.assign(new Error(name), { name });
        }
        const video = new FakeTrack('video');
        const audio = opts.audio === false ? null : new FakeTrack('audio');
        captures.push({ video, audio });
        return new FakeMediaStream([video, ...(audio ? [audio] : [])]) as unknown as MediaStream;
      },
    },
  };
}

function setup(opts: { audio?: boolean; devices?: 'none' } = {}) {
  const d = display(opts);
  const sent: ClientMessage[] = [];
  const local: Array<ScreenShareInfo | null> = [];
  const changed: string[] = [];
  const topo: Array<LocalScreenTracks | null> = [];
  const people = new Map<string, RemoteParticipant>([['ada', new RemoteParticipant('ada', 'Ada', false, false)]]);
  let inSession = true;
  const topology = { carriesScreens: true, setLocalScreen: (s: LocalScreenTracks | null) => topo.push(s) } as unknown as Topology;
  const screens = new RoomScreenShare({
    devices: () => (opts.devices === 'none' ? null : d.port),
    topology: () => topology,
    inSession: () => inSession,
    send: (m) => sent.push(m),
    participant: (id) => people.get(id),
    localChanged: (s) => local.push(s),
    participantChanged: (p) => changed.push(p.id),
  });
  return {
    d,
    sent,
    local,
    changed,
    topo,
    screens,
    ada: people.get('ada')!,
    leaveSession() {
      inSession = false;
    },
  };
}

const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: unknown) => e instanceof LecternError && e.code === code);

describe('ScreenCapture', () => {
  before(installFakeMediaStream);

  it('asks for full HD at most 15 fps with audio, and marks the video as detail content', async () => {
    const d = display();
    const capture = await ScreenCapture.start(d.port);
    assert.deepEqual(d.asked, [SCREEN_CAPTURE_OPTIONS]);
    assert.deepEqual(SCREEN_CAPTURE_OPTIONS.video, { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: 15, max: 15 } });
    assert.equal(capture.tracks.video.contentHint, 'detail');
    assert.ok(capture.tracks.audio);
  });

  it('reports the browser ending the capture once, and stop() releases every track without firing ended', async () => {
    const d = display();
    const a = await ScreenCapture.start(d.port);
    let ended = 0;
    a.on('ended', () => ended++);
    d.captures[0]!.video.endByBrowser();
    assert.equal(ended, 1);
    assert.ok(a.stopped && d.captures[0]!.audio!.stopped, 'the audio goes with the video');
    const b = await ScreenCapture.start(d.port);
    b.on('ended', () => ended++);
    b.stop();
    b.stop();
    assert.ok(d.captures[1]!.video.stopped && d.captures[1]!.audio!.stopped);
    assert.equal(ended, 1);
  });

  it('maps failures to screen-share codes', () => {
    const err = (name: string) => screenShareError(Object.assign(new Error(name), { name })).code;
    assert.equal(err('NotAllowedError'), ErrorCodes.SCREEN_SHARE_DENIED);
    assert.equal(err('AbortError'), ErrorCodes.SCREEN_SHARE_DENIED);
    assert.equal(err('NotSupportedError'), ErrorCodes.SCREEN_SHARE_UNSUPPORTED);
    assert.equal(err('NotReadableError'), ErrorCodes.SCREEN_SHARE_FAILED);
    assert.equal(screenShareError('weird').code, ErrorCodes.SCREEN_SHARE_FAILED);
  });
});

describe('RoomScreenShare', () => {
  before(installFakeMediaStream);

  it('start: hands the screen to the topology, announces its stream id and audio, and reports the local change', async () => {
    const env = setup();
    await env.screens.start();
    const local = env.screens.local!;
    assert.equal(local.video, env.d.captures[0]!.video as unknown as MediaStreamTrack);
    assert.deepEqual(local.stream.getTracks(), [local.video, local.audio]);
    assert.deepEqual(env.topo.map((s) => s?.video), [local.video]);
    assert.deepEqual(env.sent, [{ type: 'screen-share', screen: { streamId: local.stream.id, audio: true } }]);
    assert.deepEqual(env.local, [{ streamId: local.stream.id, audio: true }]);
  });

  it('the browser ending the share (its "Stop sharing" bar) stops it for everyone', async () => {
    const env = setup({ audio: false });
    await env.screens.start();
    env.d.captures[0]!.video.endByBrowser();
    assert.equal(env.screens.local, null);
    assert.deepEqual(env.topo.at(-1), null);
    assert.deepEqual(env.sent.at(-1), { type: 'screen-share', screen: null });
    assert.deepEqual(env.local.at(-1), null);
  });

  it('stop() stops the capture and tells everyone; a second stop() does nothing', async () => {
    const env = setup();
    await env.screens.start();
    env.screens.stop();
    env.screens.stop();
    assert.ok(env.d.captures[0]!.video.stopped && env.d.captures[0]!.audio!.stopped);
    assert.deepEqual(env.sent.map((m) => m.type === 'screen-share' && m.screen), [env.sent[0]!.type === 'screen-share' && env.sent[0].screen, null]);
  });

  it('sharing again picks a new capture under the same stream id; a cancelled picker keeps the current share', async () => {
    const env = setup();
    await env.screens.start();
    const id = env.screens.local!.stream.id;
    await env.screens.start();
    assert.ok(env.d.captures[0]!.video.stopped, 'the old capture is released');
    assert.equal(env.screens.local!.video, env.d.captures[1]!.video as unknown as MediaStreamTrack);
    assert.equal(env.screens.local!.stream.id, id, 'receivers keep matching the msid');
    env.d.failNext('NotAllowedError');
    await rejectsWith(env.screens.start(), ErrorCodes.SCREEN_SHARE_DENIED);
    assert.equal(env.screens.local!.video, env.d.captures[1]!.video as unknown as MediaStreamTrack);
    // The old capture ending late does not stop the new share.
    env.d.captures[0]!.video.endByBrowser();
    assert.notEqual(env.screens.local, null);
  });

  it('refuses without getDisplayMedia (phones), when cancelled, and outside a session', async () => {
    await rejectsWith(setup({ devices: 'none' }).screens.start(), ErrorCodes.SCREEN_SHARE_UNSUPPORTED);
    const env = setup();
    env.d.failNext('NotAllowedError');
    await rejectsWith(env.screens.start(), ErrorCodes.SCREEN_SHARE_DENIED);
    assert.deepEqual(env.sent, []);
    env.leaveSession();
    await rejectsWith(env.screens.start(), ErrorCodes.INVALID_STATE);
    assert.equal(env.d.asked.length, 1, 'no picker outside a session');
  });

  it('a remote screen shows once it is announced and its media arrives under the announced id, in either order', async () => {
    const env = setup();
    const stream = new FakeMediaStream([new FakeTrack('video')]) as unknown as MediaStream;
    env.screens.received('ada', stream, 'S1');
    assert.equal(env.ada.screenStream, null, 'media alone is not a share');
    env.screens.announced(env.ada, { streamId: 'S1', audio: false });
    assert.equal(env.ada.screenStream, stream);
    assert.deepEqual(env.changed, ['ada']);

    env.screens.announced(env.ada, null);
    assert.equal(env.ada.screenStream, null);
    assert.equal(env.ada.screen, null);

    // Announced first, then media under another id: not shown; under the right id: shown.
    env.screens.announced(env.ada, { streamId: 'S2', audio: true });
    env.screens.received('ada', stream, 'other');
    assert.equal(env.ada.screenStream, null);
    env.screens.received('ada', stream, 'S2');
    assert.equal(env.ada.screenStream, stream);
    // The media connection is rebuilt: the stream is gone until new media arrives.
    env.screens.forget('ada');
    assert.equal(env.ada.screenStream, null);
    assert.deepEqual(env.ada.screen, { streamId: 'S2', audio: true }, 'still announced');
  });

  it('a topology that cannot carry screens (the SFU, for now) refuses before the picker opens', async () => {
    const env = setup();
    (env.screens as unknown as { host: { topology: () => Topology } }).host.topology = () => ({ carriesScreens: false }) as unknown as Topology;
    await rejectsWith(env.screens.start(), ErrorCodes.NOT_ALLOWED);
    assert.equal(env.d.asked.length, 0);
  });

    it('the same announcement again changes nothing', () => {
    const env = setup();
    env.screens.announced(env.ada, { streamId: 'S1', audio: false });
    env.screens.announced(env.ada, { streamId: 'S1', audio: false });
    assert.deepEqual(env.changed, ['ada']);
  });
});
