/** Shared fakes for Room tests: a Room on fake transports and peer connections, and a fake LocalMedia. */
import type { ParticipantInfo, ServerMessageOf } from '@lectern/protocol';
import { TypedEmitter } from './emitter.js';
import { FakeClock, FakeTrack, asTrack, fakePeerConnections, fakeTransports, welcome, type FakeTransport } from './fakes.test-helpers.js';
import type { LocalMediaEvents } from './local-media.js';
import { Room, type LocalMediaSource, type RoomOptions, type RoomState } from './room.js';

export const CODE = 'abc-defg-hjk';
export const HOST_KEY = 'k'.repeat(43);
export const GRACE = 5000;
export const alice: ParticipantInfo = { id: 'alice', name: 'Alice', muted: false, cameraOff: false, role: 'participant' };
export const bob: ParticipantInfo = { id: 'bob', name: 'Bob', muted: true, cameraOff: false, role: 'participant' };

export class FakeMedia extends TypedEmitter<LocalMediaEvents> implements LocalMediaSource {
  tracks = { audio: asTrack(new FakeTrack('audio')), video: asTrack(new FakeTrack('video')) };
  muted = false;
  cameraOff = false;
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.emit('stateChanged', { muted, cameraOff: this.cameraOff });
  }
  async setCameraOff(off: boolean): Promise<void> {
    this.cameraOff = off;
    this.tracks = { ...this.tracks, video: off ? (null as unknown as MediaStreamTrack) : asTrack(new FakeTrack('video')) };
    this.emit('tracksChanged', this.tracks);
    this.emit('stateChanged', { muted: this.muted, cameraOff: off });
  }
}

export function joinedMsg(participants: ParticipantInfo[], over: Partial<ServerMessageOf<'joined'>> = {}): ServerMessageOf<'joined'> {
  return {
    type: 'joined',
    code: CODE,
    self: { id: 'self1', name: 'Me', muted: false, cameraOff: false, role: 'participant' },
    participants,
    topology: 'mesh',
    maxParticipants: 8,
    resumeToken: 'tok-1',
    ...over,
  };
}

export function setup(over: Partial<RoomOptions> = {}) {
  const clock = new FakeClock();
  const transports = fakeTransports();
  const pcs = fakePeerConnections();
  const room = new Room({
    url: 'wss://lectern.test/ws',
    transport: transports.factory,
    peerConnectionFactory: pcs.factory,
    clock,
    reconnectGraceMs: GRACE,
    ...over,
  });
  const states: RoomState[] = [];
  const log: string[] = [];
  room.on('stateChanged', (s) => states.push(s));
  room.on('participantJoined', (p) => log.push(`joined:${p.id}`));
  room.on('participantLeft', (p, why) => log.push(`left:${p.id}:${why}`));
  room.on('participantUpdated', (p) => log.push(`updated:${p.id}`));
  const media = new FakeMedia();
  return { clock, transports, pcs, room, states, log, media };
}

export type Env = ReturnType<typeof setup>;

export async function connect(env: Env): Promise<FakeTransport> {
  const done = env.room.connect();
  const t = env.transports.last();
  t.open();
  t.receive(welcome());
  await done;
  return t;
}

export async function join(env: Env, participants: ParticipantInfo[] = [alice, bob]): Promise<FakeTransport> {
  const t = await connect(env);
  const done = env.room.join(CODE, { name: 'Me', media: env.media });
  t.receive(joinedMsg(participants));
  await done;
  return t;
}

