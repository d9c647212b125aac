import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ErrorCodes, LecternError } from '@lectern/protocol';
import { FakeMediaStream, FakeTrack, deferred, flush, installFakeMediaStream } from './fakes.test-helpers.js';
import { LocalMedia, mediaError } from './local-media.js';
import type { MediaDevicesPort } from './ports.js';

function domError(name: string): Error {
  const e = new Error(name);
  e.name = name;
  return e;
}

/** Devices that answer getUserMedia by a script keyed on which kinds were asked for. */
function devices(answer: (c: MediaStreamConstraints) => Promise<FakeMediaStream>) {
  const calls: MediaStreamConstraints[] = [];
  const port: MediaDevicesPort = {
    getUserMedia: (c) => {
      calls.push(c);
      return answer(c) as unknown as Promise<MediaStream>;
    },
    enumerateDevices: async () =>
      [
        { kind: 'audioinput', deviceId: 'mic1' },
        { kind: 'videoinput', deviceId: 'cam1' },
        { kind: 'audiooutput', deviceId: 'spk1' },
      ] as MediaDeviceInfo[],
  };
  return { port, calls };
}

function open(c: MediaStreamConstraints): Promise<FakeMediaStream> {
  const tracks: FakeTrack[] = [];
  if (c.audio) tracks.push(new FakeTrack('audio'));
  if (c.video) tracks.push(new FakeTrack('video'));
  return Promise.resolve(new FakeMediaStream(tracks));
}

describe('mediaError', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['NotAllowedError', ErrorCodes.MEDIA_DENIED, /denied/],
    ['SecurityError', ErrorCodes.MEDIA_DENIED, /denied/],
    ['NotFoundError', ErrorCodes.MEDIA_NOT_FOUND, /no camera/],
    ['OverconstrainedError', ErrorCodes.MEDIA_NOT_FOUND, /no camera/],
    ['NotReadableError', ErrorCodes.MEDIA_NOT_FOUND, /in use/],
    ['SomethingNew', ErrorCodes.MEDIA_DENIED, /could not open/],
  ];
  for (const [name, code, words] of cases) {
    it(`maps ${name} to ${code}`, () => {
      const cause = domError(name);
      const e = mediaError('video', cause);
      assert.ok(e instanceof LecternError);
      assert.equal(e.code, code);
      assert.match(e.message, words);
      assert.equal(e.cause, cause);
    });
  }

  it('names the device in plain words', () => {
    assert.match(mediaError('audio', domError('NotAllowedError')).message, /microphone/);
    assert.match(mediaError('audio', domError('NotFoundError')).message, /no microphone/);
  });

  it('copes with non-Error values', () => {
    assert.equal(mediaError('audio', null).code, ErrorCodes.MEDIA_DENIED);
    assert.equal(mediaError('audio', 'nope').code, ErrorCodes.MEDIA_DENIED);
  });
});

describe('LocalMedia', () => {
  before(installFakeMediaStream);

  it('opens camera and microphone in one request when both work', async () => {
    const d = devices(open);
    const m = new LocalMedia(d.port);
    const { problems } = await m.start();
    assert.deepEqual(problems, []);
    assert.equal(d.calls.length, 1);
    assert.equal(m.audioTrack?.kind, 'audio');
    assert.equal(m.videoTrack?.kind, 'video');
    assert.equal(m.muted, false);
    assert.equal(m.cameraOff, false);
    assert.equal((m.stream as unknown as FakeMediaStream).getTracks().length, 2);
  });

  it('falls back to audio only and reports the camera problem', async () => {
    const d = devices((c) => (c.video ? Promise.reject(domError('NotFoundError')) : open(c)));
    const m = new LocalMedia(d.port);
    const { problems } = await m.start();
    assert.deepEqual(problems.map((p) => p.code), [ErrorCodes.MEDIA_NOT_FOUND]);
    assert.ok(m.audioTrack);
    assert.equal(m.videoTrack, null);
    assert.equal(m.cameraOff, true);
  });

  it('reports both problems and never throws when nothing opens', async () => {
    const d = devices(() => Promise.reject(domError('NotAllowedError')));
    const m = new LocalMedia(d.port);
    const { problems } = await m.start();
    assert.deepEqual(problems.map((p) => p.code), [ErrorCodes.MEDIA_DENIED, ErrorCodes.MEDIA_DENIED]);
    assert.equal(m.muted, true);
    assert.equal(m.cameraOff, true);
  });

  it('setMuted disables the track and emits stateChanged', async () => {
    const m = new LocalMedia(devices(open).port);
    await m.start();
    const states: Array<{ muted: boolean; cameraOff: boolean }> = [];
    m.on('stateChanged', (s) => states.push(s));
    m.setMuted(true);
    assert.equal(m.audioTrack?.enabled, false);
    assert.deepEqual(states, [{ muted: true, cameraOff: false }]);
  });

  it('setCameraOff(true) stops the camera and sends no video; off→on reopens it', async () => {
    const d = devices(open);
    const m = new LocalMedia(d.port);
    await m.start();
    const cam = m.videoTrack as unknown as FakeTrack;
    const changes: Array<[boolean, boolean]> = [];
    m.on('tracksChanged', (t) => changes.push([t.audio !== null, t.video !== null]));
    await m.setCameraOff(true);
    assert.equal(cam.stopped, true);
    assert.equal(m.tracks.video, null);
    await m.setCameraOff(false);
    assert.ok(m.tracks.video);
    assert.notEqual(m.tracks.video, cam as unknown as MediaStreamTrack);
    assert.deepEqual(changes, [
      [true, false],
      [true, true],
    ]);
  });

  it('switchDevice asks for the exact device and stops the old track', async () => {
    const d = devices(open);
    const m = new LocalMedia(d.port);
    await m.start();
    const oldMic = m.audioTrack as unknown as FakeTrack;
    await m.switchDevice('audio', 'mic2');
    assert.equal(oldMic.stopped, true);
    assert.deepEqual((d.calls.at(-1)!.audio as MediaTrackConstraints).deviceId, { exact: 'mic2' });
  });

  it('listDevices splits inputs by kind', async () => {
    const m = new LocalMedia(devices(open).port);
    const list = await m.listDevices();
    assert.deepEqual(list.audio.map((x) => x.deviceId), ['mic1']);
    assert.deepEqual(list.video.map((x) => x.deviceId), ['cam1']);
  });

  it('close() stops every track and is idempotent', async () => {
    const m = new LocalMedia(devices(open).port);
    await m.start();
    const tracks = [m.audioTrack, m.videoTrack] as unknown as FakeTrack[];
    m.close();
    m.close();
    assert.deepEqual(tracks.map((t) => t.stopped), [true, true]);
  });

  // BUG: start()'s combined request does not check #closed after the await (only #openOne
  // does), so tracks granted after close() are adopted and never stopped: camera light stays on.
  it('tracks granted after close() are stopped', async () => {
    const gum = deferred<FakeMediaStream>();
    const m = new LocalMedia(devices(() => gum.promise).port);
    const started = m.start();
    m.close();
    const granted = [new FakeTrack('audio'), new FakeTrack('video')];
    gum.resolve(new FakeMediaStream(granted));
    await started;
    await flush();
    assert.deepEqual(granted.map((t) => t.stopped), [true, true], 'camera/microphone left running after close()');
  });
});
