import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ParticipantInfo } from '@lectern/protocol';
import { flush, installFakeMediaStream } from './fakes.test-helpers.js';
import { join, setup, type Env } from './room.test-helpers.js';

const ann: ParticipantInfo = { id: 'ann', name: 'Ann', muted: false, cameraOff: false, role: 'participant' };
const ben: ParticipantInfo = { id: 'ben', name: 'Ben', muted: false, cameraOff: false, role: 'participant' };
/** The room samples levels every 200 ms. */
const SAMPLE = 200;

/**
 * A joined room whose two remote participants were there before us (so our side, the newcomer,
 * initiates and their links carry audio at once), with a local microphone whose level the test sets.
 */
async function speakingRoom() {
  const mic = { level: 0 };
  const env: Env = setup({ audioLevelMeter: () => ({ level: () => mic.level, close() {} }) });
  const t = await join(env, [ann, ben]);
  await flush();
  const audioOf = (i: number) => env.pcs.all[i]!.transceivers.find((x) => x.receiver.track.kind === 'audio')!.receiver;
  const voices = { ann: audioOf(0), ben: audioOf(1) };
  const changes: string[][] = [];
  env.room.on('activeSpeakersChanged', (list) => changes.push([...list]));
  return { env, t, mic, voices, changes };
}

/** `voice` speaks for one sample, then is quiet long enough (over 600 ms) to stop speaking. */
function utterance(env: Env, voice: { audioLevel: number }): void {
  voice.audioLevel = 0.3;
  env.clock.advance(SAMPLE);
  voice.audioLevel = 0;
  env.clock.advance(SAMPLE * 4);
}

describe('Room: activeSpeakers and activeSpeakersChanged', () => {
  before(installFakeMediaStream);

  it('a remote voice makes its participant an active speaker; it stays two seconds after it stops', async () => {
    const { env, voices, changes } = await speakingRoom();
    env.clock.advance(SAMPLE);
    assert.deepEqual(env.room.activeSpeakers, []);
    assert.deepEqual(changes, [], 'silence: no event');
    voices.ann.audioLevel = 0.3;
    env.clock.advance(SAMPLE);
    assert.deepEqual(env.room.activeSpeakers, ['ann']);
    assert.deepEqual(changes, [['ann']]);
    env.clock.advance(SAMPLE * 5);
    assert.equal(changes.length, 1, 'still speaking: no new event');
    voices.ann.audioLevel = 0;
    // The speaking flag ends 600 ms after the voice; the list keeps her two seconds more.
    env.clock.advance(2000);
    assert.deepEqual(env.room.activeSpeakers, ['ann']);
    env.clock.advance(1000);
    assert.deepEqual(env.room.activeSpeakers, []);
    assert.deepEqual(changes, [['ann'], []]);
  });

  it('most recent speaker first; the local participant counts too', async () => {
    const { env, voices, mic, changes } = await speakingRoom();
    utterance(env, voices.ann);
    utterance(env, voices.ben);
    assert.deepEqual(env.room.activeSpeakers, ['ben', 'ann']);
    mic.level = 0.4;
    env.clock.advance(SAMPLE);
    assert.deepEqual(env.room.activeSpeakers, ['self1', 'ben', 'ann']);
    assert.deepEqual(changes, [['ann'], ['ben', 'ann'], ['self1', 'ben', 'ann']]);
  });

  it('a muted participant is not a speaker, whatever its stream carries', async () => {
    const { env, t, voices, changes } = await speakingRoom();
    t.receive({ type: 'media-state', from: 'ben', muted: true, cameraOff: false });
    voices.ben.audioLevel = 0.8;
    env.clock.advance(SAMPLE * 3);
    assert.deepEqual(env.room.activeSpeakers, []);
    assert.deepEqual(changes, []);
  });

  it('a speaker who leaves is dropped from the list at once', async () => {
    const { env, t, voices, changes } = await speakingRoom();
    voices.ann.audioLevel = 0.3;
    voices.ben.audioLevel = 0.3;
    env.clock.advance(SAMPLE);
    assert.deepEqual([...env.room.activeSpeakers].sort(), ['ann', 'ben']);
    t.receive({ type: 'participant-left', participantId: 'ann', reason: 'left' });
    assert.deepEqual(env.room.activeSpeakers, ['ben']);
    assert.deepEqual(changes.at(-1), ['ben']);
  });

  it('a listener that throws does not stop the others or the sampling', async () => {
    const { env, voices, changes } = await speakingRoom();
    env.room.on('activeSpeakersChanged', () => {
      throw new Error('listener bug');
    });
    const late: string[][] = [];
    env.room.on('activeSpeakersChanged', (list) => late.push([...list]));
    utterance(env, voices.ann);
    utterance(env, voices.ben);
    assert.deepEqual(changes, [['ann'], ['ben', 'ann']]);
    assert.deepEqual(late, changes);
  });
});
