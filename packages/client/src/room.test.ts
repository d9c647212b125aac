import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ErrorCodes, LecternError, PROTOCOL_VERSION } from '@lectern/protocol';
import { FakeMediaStream, FakeTrack, fakeSdp, flush, installFakeMediaStream, welcome, type FakeMLine, type FakeTransport } from './fakes.test-helpers.js';
import type { RemoteParticipant } from './participant.js';
import { SPARE_DELAY_MS } from './topology/mesh.js';
import { CODE, GRACE, HOST_KEY, alice, bob, connect, join, joinedMsg, setup, type Env } from './room.test-helpers.js';

/** Drops the socket, lets the retry fire, and completes a new handshake. */
async function reconnect(env: Env, old: FakeTransport): Promise<FakeTransport> {
  const before = env.transports.all.length;
  old.drop();
  await flush(); // the close is its own task: pending continuations run before the retry
  env.clock.advance(250); // first retry is at most minBackoffMs
  assert.equal(env.transports.all.length, before + 1, 'no reconnect attempt');
  const t = env.transports.last();
  t.open();
  t.receive(welcome({ resumed: true }));
  await flush();
  return t;
}

function settledWith<T>(p: Promise<T>) {
  const w: { settled: boolean; error?: unknown } = { settled: false };
  p.then(
    () => (w.settled = true),
    (e: unknown) => Object.assign(w, { settled: true, error: e }),
  );
  return w;
}

function code(err: unknown): string | undefined {
  return err instanceof LecternError ? err.code : undefined;
}

describe('Room', () => {
  before(installFakeMediaStream);

  describe('connect and sessions', () => {
    it('connect() completes the handshake and reaches connected', async () => {
      const env = setup();
      const t = await connect(env);
      assert.equal(env.room.state, 'connected');
      assert.deepEqual(env.states, ['connecting', 'connected']);
      assert.deepEqual(t.sent, [{ type: 'hello', v: PROTOCOL_VERSION }]);
    });

    it('connect() rides out a server that is down at first', async () => {
      const env = setup();
      const done = env.room.connect();
      env.transports.last().drop();
      assert.equal(env.room.state, 'reconnecting');
      env.clock.advance(250);
      const t = env.transports.last();
      t.open();
      t.receive(welcome());
      await done;
      assert.equal(env.room.state, 'connected');
    });

    it('createSession() sends create and returns the code', async () => {
      const env = setup();
      const t = await connect(env);
      const created = env.room.createSession();
      assert.deepEqual(t.sent.at(-1), { type: 'create' });
      t.receive({ type: 'created', code: CODE, hostKey: HOST_KEY });
      assert.equal(await created, CODE);
    });

    it('createSession() before connecting is INVALID_STATE', async () => {
      const env = setup();
      await assert.rejects(env.room.createSession(), (e: unknown) => code(e) === ErrorCodes.INVALID_STATE);
    });

    it('join() with a malformed code throws INVALID_CODE and sends nothing', async () => {
      const env = setup();
      const t = await connect(env);
      for (const bad of ['abc-defg-hj', 'ilo-defg-hjk', '', 'abc-defg-hjk-x']) {
        await assert.rejects(env.room.join(bad, { name: 'Me', media: env.media }), (e: unknown) => code(e) === ErrorCodes.INVALID_CODE, bad);
      }
      assert.equal(env.room.state, 'connected');
      assert.deepEqual(t.sentOf('join'), []);
    });
  });

  describe('joining', () => {
    it('join() normalises the code, sends join and reaches joined with the listed participants', async () => {
      const env = setup();
      const t = await connect(env);
      const done = env.room.join(' https://lectern.test/s/ABC DEFG HJK ', { name: '  Me  ', media: env.media });
      assert.equal(env.room.state, 'joining');
      assert.deepEqual(t.sentOf('join'), [{ type: 'join', code: CODE, name: 'Me', media: { muted: false, cameraOff: false } }]);
      t.receive(joinedMsg([alice, bob]));
      await done;
      assert.equal(env.room.state, 'joined');
      assert.equal(env.room.code, CODE);
      assert.equal(env.room.localParticipant?.id, 'self1');
      assert.deepEqual([...env.room.participants.keys()], ['alice', 'bob']);
      assert.equal(env.room.participants.get('bob')?.muted, true);
      assert.deepEqual(env.log, ['joined:alice', 'joined:bob']);
    });

    it('the newcomer offers: one peer connection per listed participant, with audio+video transceivers carrying our tracks', async () => {
      const env = setup();
      const t = await join(env);
      await flush();
      assert.equal(env.pcs.all.length, 2);
      for (const pc of env.pcs.all) {
        assert.deepEqual(pc.calls.filter((c) => c.startsWith('addTransceiver')), ['addTransceiver:audio', 'addTransceiver:video']);
        assert.deepEqual(pc.transceivers.map((x) => x.sender.track), [env.media.tracks.audio, env.media.tracks.video]);
        assert.deepEqual(pc.config.iceServers, welcome().iceServers);
      }
      assert.deepEqual(t.sentOf('offer').map((m) => m.to), ['alice', 'bob']);
    });

    it('a member already present waits for a newcomer\'s offer', async () => {
      const env = setup();
      const t = await join(env, []);
      t.receive({ type: 'participant-joined', participant: bob });
      await flush();
      assert.deepEqual(env.pcs.all.at(-1)!.calls, [], 'the newcomer makes the offer');
      assert.equal(t.sentOf('offer').length, 0);
    });

    it('prepare(): the first offer is made before join and sent the moment joined arrives, on that same connection', async () => {
      const env = setup();
      const t = await connect(env);
      env.room.prepare(env.media);
      await flush();
      assert.equal(env.pcs.all.length, 1, 'one connection made ahead');
      const early = env.pcs.all[0]!;
      assert.ok(early.calls.includes('sld:offer'), 'its offer is written before joining');
      assert.equal(t.sentOf('offer').length, 0, 'nothing is sent before joining');
      const done = env.room.join(CODE, { name: 'Me', media: env.media });
      t.receive(joinedMsg([alice, bob]));
      await done;
      const offers = t.sentOf('offer');
      assert.equal(offers[0]?.to, 'alice', 'the prepared offer goes out at once, to the first participant');
      assert.equal(offers[0]?.sdp, early.localDescription?.sdp);
      assert.equal(env.pcs.all.length, 2, 'the second participant gets a connection of its own');
      await flush();
      assert.deepEqual(t.sentOf('offer').map((m) => m.to), ['alice', 'bob']);
      assert.equal(early.closed, false);
    });

    it('prepare(): a connection not used (nobody there yet) is closed at join; a camera switch before joining reaches it', async () => {
      const env = setup();
      const t = await connect(env);
      env.room.prepare(env.media);
      await flush();
      const early = env.pcs.all[0]!;
      env.room.prepare(env.media); // again with the same media: nothing new
      assert.equal(env.pcs.all.length, 1);
      await env.media.setCameraOff(true);
      assert.deepEqual(early.transceivers[1]!.replaced, [null], 'the camera turned off before joining is not sent');
      const done = env.room.join(CODE, { name: 'Me', media: env.media });
      t.receive(joinedMsg([]));
      await done;
      assert.equal(early.closed, true);
    });

    it('joining people already there, the spare waits until our own offers are under way', async () => {
      const env = setup();
      await join(env, [alice]);
      env.clock.advance(SPARE_DELAY_MS - 1);
      assert.equal(env.pcs.all.length, 1, 'only the connection to alice during our own call setup');
      env.clock.advance(1);
      assert.equal(env.pcs.all.length, 2);
      assert.equal(env.pcs.all[1]!.config.iceCandidatePoolSize, 1);
    });

    it('a member keeps a spare connection gathering candidates and answers the next newcomer on it', async () => {
      const env = setup();
      const t = await join(env, []);
      env.clock.advance(0);
      assert.equal(env.pcs.all.length, 1, 'alone in the session, the spare is made at once');
      const spare = env.pcs.all[0]!;
      assert.equal(spare.config.iceCandidatePoolSize, 1, 'the spare gathers before any description exists');
      t.receive({ type: 'participant-joined', participant: bob });
      t.receive({ type: 'offer', from: 'bob', sdp: fakeSdp([{ mid: '0', kind: 'audio', direction: 'sendrecv' }, { mid: '1', kind: 'video', direction: 'sendrecv' }]) });
      await flush();
      assert.equal(env.pcs.all.length, 1, 'the newcomer was answered on the spare');
      assert.deepEqual(t.sentOf('answer').map((m) => m.to), ['bob']);
      env.clock.advance(SPARE_DELAY_MS);
      assert.equal(env.pcs.all.length, 2, 'and a new spare follows');
      env.room.leave();
      assert.ok(env.pcs.all.every((pc) => pc.closed), 'leaving closes the spare too');
    });

    it('join-error ROOM_FULL rejects with ROOM_FULL and returns to connected; a later join works', async () => {
      const env = setup();
      const t = await connect(env);
      const done = env.room.join(CODE, { name: 'Me', media: env.media });
      t.receive({ type: 'join-error', code: 'ROOM_FULL', message: 'the session is full' });
      await assert.rejects(done, (e: unknown) => code(e) === ErrorCodes.ROOM_FULL);
      assert.equal(env.room.state, 'connected');
      assert.equal(env.room.code, null);
      assert.equal(env.pcs.all.length, 0);
      const again = env.room.join(CODE, { name: 'Me', media: env.media });
      t.receive(joinedMsg([]));
      await again;
      assert.equal(env.room.state, 'joined');
    });

    it('a server error naming join rejects join with its code', async () => {
      const env = setup();
      const t = await connect(env);
      const done = env.room.join(CODE, { name: 'Me', media: env.media });
      t.receive({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', ref: 'join' });
      await assert.rejects(done, (e: unknown) => code(e) === ErrorCodes.RATE_LIMITED);
      assert.equal(env.room.state, 'connected');
    });

    it('if the socket drops during join, join rejects SERVER_UNREACHABLE and the next welcome brings it back to connected', async () => {
      const env = setup();
      const t = await connect(env);
      const done = settledWith(env.room.join(CODE, { name: 'Me', media: env.media }));
      const t2 = await reconnect(env, t);
      assert.equal(code(done.error), ErrorCodes.SERVER_UNREACHABLE);
      assert.equal(env.room.state, 'connected');
      assert.deepEqual(t2.sentOf('join'), []);
    });
  });

  describe('access', () => {
    it('join sends the credentials; the server-fixed name wins; a rejoin resends the password only', async () => {
      const env = setup();
      const t = await connect(env);
      const done = env.room.join(CODE, { name: 'Typed', media: env.media, password: 'pw', token: 'h.p.s', hostKey: 'k'.repeat(32) });
      assert.deepEqual(t.sentOf('join')[0], {
        type: 'join',
        code: CODE,
        name: 'Typed',
        media: { muted: false, cameraOff: false },
        password: 'pw',
        hostKey: 'k'.repeat(32),
        token: 'h.p.s',
      });
      t.receive(joinedMsg([], { self: { id: 'self1', name: 'Grace Hopper', muted: false, cameraOff: false, role: 'participant' } }));
      await done;
      assert.equal(env.room.localParticipant?.name, 'Grace Hopper');
      const t2 = await reconnect(env, t);
      const again = t2.sentOf('join')[0]!;
      assert.equal(again.name, 'Grace Hopper');
      assert.equal(again.password, 'pw');
      assert.equal(again.hostKey, undefined, 'the server remembers the role');
      assert.equal(again.token, undefined, 'an LMS token may have expired; the resume token replaces it');
    });

    it('a refused password rejects join with its code and leaves the room connected', async () => {
      const env = setup();
      const t = await connect(env);
      const done = env.room.join(CODE, { name: 'Me', media: env.media });
      t.receive({ type: 'join-error', code: 'PASSWORD_REQUIRED', message: 'this session needs a password' });
      await assert.rejects(done, (e: unknown) => code(e) === ErrorCodes.PASSWORD_REQUIRED);
      assert.equal(env.room.state, 'connected');
    });

    it('createSession and createClassRoom send their settings and return the answers; a server error rejects', async () => {
      const env = setup();
      const t = await connect(env);
      const created = env.room.createSession({ password: 'pw' });
      assert.deepEqual(t.sentOf('create')[0], { type: 'create', password: 'pw' });
      t.receive({ type: 'created', code: CODE, hostKey: 'c'.repeat(43) });
      assert.equal(await created, CODE);
      const classRoom = env.room.createClassRoom({ name: 'Physics 101', lobby: true });
      assert.deepEqual(t.sentOf('create-class-room')[0], { type: 'create-class-room', name: 'Physics 101', lobby: true });
      t.receive({ type: 'class-room-created', code: CODE, name: 'Physics 101', hostKey: 'h'.repeat(32), password: false, lobby: true, maxParticipants: 6 });
      assert.deepEqual(await classRoom, { code: CODE, name: 'Physics 101', hostKey: 'h'.repeat(32), password: false, lobby: true, maxParticipants: 6 });
      const refused = env.room.createClassRoom({ name: 'Another' });
      t.receive({ type: 'error', code: 'SERVER_BUSY', message: 'full', ref: 'create-class-room' });
      await assert.rejects(refused, (e: unknown) => code(e) === ErrorCodes.SERVER_BUSY);
    });
  });

  describe('while joined', () => {
    it('participant-joined adds a participant with an answering link; participant-left removes it and closes the link', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      t.receive({ type: 'participant-joined', participant: bob });
      assert.ok(env.room.participants.has('bob'));
      const pc = env.pcs.all[1]!;
      assert.deepEqual(pc.calls, [], 'the newcomer initiates');
      assert.equal(env.room.participants.get('bob')?.connection, 'connecting');
      const left: Array<[RemoteParticipant, string]> = [];
      env.room.on('participantLeft', (p, why) => left.push([p, why]));
      t.receive({ type: 'participant-left', participantId: 'bob', reason: 'left' });
      assert.equal(left.length, 1);
      assert.equal(left[0]![0].id, 'bob');
      assert.equal(left[0]![1], 'left');
      assert.equal(env.room.participants.has('bob'), false);
      assert.equal(pc.closed, true);
      assert.equal(env.pcs.all[0]!.closed, false);
      assert.ok(env.log.includes('joined:bob'));
    });

    it('participant-joined for someone already present rebuilds their link and emits participantUpdated', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      env.log.length = 0;
      t.receive({ type: 'participant-joined', participant: { ...alice, name: 'Alice 2' } });
      assert.deepEqual(env.log, ['updated:alice']);
      assert.equal(env.room.participants.get('alice')?.name, 'Alice 2');
      assert.equal(env.pcs.all[0]!.closed, true);
      assert.equal(env.pcs.all.length, 2);
    });

    it('media-state updates the participant and emits participantUpdated', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      const updated: RemoteParticipant[] = [];
      env.room.on('participantUpdated', (p) => updated.push(p));
      t.receive({ type: 'media-state', from: 'alice', muted: true, cameraOff: true });
      const a = env.room.participants.get('alice')!;
      assert.deepEqual([a.muted, a.cameraOff], [true, true]);
      assert.deepEqual(updated, [a]);
      t.receive({ type: 'media-state', from: 'stranger', muted: true, cameraOff: true });
      assert.equal(updated.length, 1);
    });

    it('relays signals from participants to their link, and drops signals from strangers', async () => {
      const env = setup();
      const t = await join(env, []);
      t.receive({ type: 'participant-joined', participant: alice });
      t.receive({ type: 'offer', from: 'alice', sdp: 'v=0 alice' });
      t.receive({ type: 'offer', from: 'mallory', sdp: 'v=0 mallory' });
      await flush();
      assert.deepEqual(t.sentOf('answer'), [{ type: 'answer', to: 'alice', sdp: 'answer-sdp' }]);
      assert.equal(env.pcs.all.length, 1);
    });

    it('link states become participant connection states', async () => {
      const env = setup();
      await join(env, [alice]);
      const a = env.room.participants.get('alice')!;
      const pc = env.pcs.all[0]!;
      pc.setConnectionState('connected');
      assert.equal(a.connection, 'connected');
      pc.setConnectionState('disconnected');
      assert.equal(a.connection, 'unstable');
      pc.setConnectionState('failed');
      assert.equal(a.connection, 'failed');
      // PeerLink arms a real 3 s ICE-restart timer on 'disconnected'; closing clears it.
      env.room.close();
    });

    it('local mute is announced with media-state and localUpdated', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      const local: boolean[] = [];
      env.room.on('localUpdated', (l) => local.push(l.muted));
      env.room.setMuted(true);
      assert.deepEqual(t.sentOf('media-state'), [{ type: 'media-state', muted: true, cameraOff: false }]);
      assert.deepEqual(local, [true]);
    });

    it('a camera change swaps the sent track without renegotiating', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      await flush();
      const offers = t.sentOf('offer').length;
      await env.room.setCameraOff(true);
      const pc = env.pcs.all[0]!;
      assert.deepEqual(pc.transceivers[1]!.replaced, [null]);
      assert.equal(t.sentOf('offer').length, offers, 'no new offer');
      assert.deepEqual(t.sentOf('media-state').at(-1), { type: 'media-state', muted: false, cameraOff: true });
    });

    it('leave() sends leave, closes every link and ends in left', async () => {
      const env = setup();
      const t = await join(env);
      env.room.leave();
      assert.deepEqual(t.sent.at(-1), { type: 'leave' });
      assert.equal(env.room.state, 'left');
      assert.equal(env.room.participants.size, 0);
      assert.ok(env.pcs.all.every((pc) => pc.closed));
    });

    it('close() sends leave, closes the socket, is idempotent', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      env.room.close();
      env.room.close();
      assert.deepEqual(t.sentOf('leave').length, 1);
      assert.ok(t.closedBy);
      assert.equal(env.room.state, 'closed');
      assert.equal(env.pcs.all[0]!.closed, true);
      assert.equal(env.clock.pending, 0, 'timers left running after close');
      env.clock.advance(60_000);
      assert.equal(env.transports.all.length, 1);
    });
  });

  describe('reconnecting', () => {
    it('after a drop and a new welcome, re-sends join (with the resume token) and returns to joined', async () => {
      const env = setup();
      const t = await join(env, [alice, bob]);
      const attempts: number[] = [];
      env.room.on('reconnectAttempt', (n) => attempts.push(n));
      t.drop();
      assert.equal(env.room.state, 'reconnecting');
      assert.deepEqual(attempts, [1]);
      env.clock.advance(250);
      const t2 = env.transports.last();
      t2.open();
      assert.deepEqual(t2.sent, [{ type: 'hello', v: PROTOCOL_VERSION, resume: 'tok-1' }]);
      t2.receive(welcome({ resumed: true }));
      await flush();
      assert.deepEqual(t2.sentOf('join'), [{ type: 'join', code: CODE, name: 'Me', media: { muted: false, cameraOff: false } }]);
      assert.equal(env.room.state, 'reconnecting');
      t2.receive(joinedMsg([alice, bob], { resumeToken: 'tok-2' }));
      await flush();
      assert.equal(env.room.state, 'joined');
      assert.deepEqual(env.states.slice(-2), ['reconnecting', 'joined']);
      // Our mic/camera state is re-announced.
      assert.deepEqual(t2.sentOf('media-state'), [{ type: 'media-state', muted: false, cameraOff: false }]);
      // Fresh links for everyone; the old ones are closed.
      assert.equal(env.pcs.all.length, 4);
      assert.ok(env.pcs.all.slice(0, 2).every((pc) => pc.closed));
      assert.ok(env.pcs.all.slice(2).every((pc) => !pc.closed && pc.calls.includes('addTransceiver:audio')), 'coming back, we offer again');
    });

    it('keeps participants missing from the new list as reconnecting, and drops them after the grace period', async () => {
      const env = setup();
      const t = await join(env, [alice, bob]);
      const t2 = await reconnect(env, t);
      env.log.length = 0;
      t2.receive(joinedMsg([alice]));
      await flush();
      const b = env.room.participants.get('bob');
      assert.equal(b?.connection, 'reconnecting');
      assert.ok(env.log.includes('updated:bob'));
      env.clock.advance(GRACE - 1);
      assert.ok(env.room.participants.has('bob'));
      env.clock.advance(1);
      assert.equal(env.room.participants.has('bob'), false);
      assert.ok(env.log.includes('left:bob:disconnected'));
      assert.ok(env.room.participants.has('alice'));
    });

    it('a missing participant who comes back within the grace period is kept', async () => {
      const env = setup();
      const t = await join(env, [alice, bob]);
      const t2 = await reconnect(env, t);
      t2.receive(joinedMsg([alice]));
      await flush();
      env.clock.advance(GRACE / 2);
      t2.receive({ type: 'participant-joined', participant: bob });
      env.clock.advance(GRACE * 2);
      assert.equal(env.room.participants.get('bob')?.connection, 'connecting');
      assert.ok(!env.log.includes('left:bob:disconnected'));
    });

    it('a join-error after reconnecting ends the session: sessionEnded, state left', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      const ended: LecternError[] = [];
      env.room.on('sessionEnded', (e) => ended.push(e));
      const t2 = await reconnect(env, t);
      t2.receive({ type: 'join-error', code: 'ROOM_NOT_FOUND', message: 'gone' });
      await flush();
      assert.equal(env.room.state, 'left');
      assert.deepEqual(ended.map((e) => e.code), [ErrorCodes.ROOM_NOT_FOUND]);
      assert.equal(env.room.participants.size, 0);
      assert.ok(env.pcs.all.every((pc) => pc.closed));
    });

    it('a room that was connected but not joined goes back to connected without joining', async () => {
      const env = setup();
      const t = await connect(env);
      t.drop();
      assert.equal(env.room.state, 'reconnecting');
      env.clock.advance(250);
      const t2 = env.transports.last();
      t2.open();
      t2.receive(welcome());
      await flush();
      assert.equal(env.room.state, 'connected');
      assert.deepEqual(t2.sentOf('join'), []);
    });

    // BUG: leave() keeps `code` and the media source, so the next reconnect of the (still
    // open) signaling channel silently re-joins the session the user left: the others see a
    // ghost participant.
    it('after leave(), a reconnect of the signaling channel does not re-join the session', async () => {
      const env = setup();
      const t = await join(env, [alice]);
      env.room.leave();
      const t2 = await reconnect(env, t);
      assert.deepEqual(t2.sentOf('join'), [], 're-joined a session the user left');
      assert.equal(env.room.state, 'left');
    });

    // BUG: #applyJoined does not clear a grace timer for participants that are present in the
    // new list, so a grace timer from an earlier reconnect drops someone who is there.
    it('a participant listed after a second reconnect is not dropped by the first reconnect’s grace timer', async () => {
      const env = setup();
      const t = await join(env, [alice, bob]);
      const t2 = await reconnect(env, t);
      t2.receive(joinedMsg([alice])); // bob missing: grace starts
      await flush();
      env.clock.advance(1000);
      const t3 = await reconnect(env, t2);
      t3.receive(joinedMsg([alice, bob])); // bob is back in the list
      await flush();
      assert.equal(env.room.state, 'joined');
      assert.notEqual(env.room.participants.get('bob')?.connection, 'reconnecting', 'bob is listed but still shown as reconnecting');
      env.clock.advance(GRACE);
      assert.ok(env.room.participants.has('bob'), 'bob was dropped although the server listed him');
    });
  });
});

describe('Room screen sharing', () => {
  before(installFakeMediaStream);

  /** A getDisplayMedia port handing out one fake video+audio capture per call. */
  function displayMedia() {
    const videos: FakeTrack[] = [];
    return {
      videos,
      getDisplayMedia: async () => {
        const v = new FakeTrack('video');
        videos.push(v);
        return new FakeMediaStream([v, new FakeTrack('audio')]) as unknown as MediaStream;
      },
    };
  }

  it('shareScreen() announces the screen and adds it to every link; stopping (or the browser ending it) undoes both', async () => {
    const display = displayMedia();
    const env = setup({ displayMedia: display });
    const t = await join(env, [alice, bob]);
    // They offer first (we are the newcomer); our screen follows their camera m-lines.
    t.receive({ type: 'offer', from: 'alice', sdp: 'v=0 alice' });
    t.receive({ type: 'offer', from: 'bob', sdp: 'v=0 bob' });
    await flush();
    const local: Array<unknown> = [];
    env.room.on('localUpdated', (l) => local.push(l.screen));
    assert.equal(env.room.canShareScreen, true);
    await env.room.shareScreen();
    const streamId = env.room.localScreen!.stream.id;
    assert.deepEqual(t.sentOf('screen-share'), [{ type: 'screen-share', screen: { streamId, audio: true } }]);
    assert.deepEqual(env.room.localParticipant?.screen, { streamId, audio: true });
    for (const pc of env.pcs.all) assert.ok(pc.transceivers.some((x) => x.sender.track === env.room.localScreen!.video && x.direction === 'sendonly'));

    display.videos[0]!.endByBrowser();
    assert.equal(env.room.localScreen, null);
    assert.deepEqual(t.sentOf('screen-share').at(-1), { type: 'screen-share', screen: null });
    assert.deepEqual(local, [{ streamId, audio: true }, null]);
    for (const pc of env.pcs.all) assert.ok(pc.transceivers.filter((x) => x.init.streams).every((x) => x.direction === 'inactive'));

    await env.room.shareScreen();
    env.room.stopScreenShare();
    assert.deepEqual(t.sentOf('screen-share').at(-1), { type: 'screen-share', screen: null });
    assert.ok(display.videos[1]!.stopped);
  });

  it('without getDisplayMedia, sharing is unsupported', async () => {
    const env = setup();
    await join(env, [alice]);
    assert.equal(env.room.canShareScreen, false);
    await assert.rejects(env.room.shareScreen(), (e: unknown) => code(e) === ErrorCodes.SCREEN_SHARE_UNSUPPORTED);
  });

  it('a remote share: known from participant info at join, shown once its media arrives, gone on screen-share null', async () => {
    const env = setup();
    const t = await join(env, [{ ...alice, screen: { streamId: 'alice-screen', audio: false } }]);
    const a = env.room.participants.get('alice')!;
    assert.deepEqual(a.screen, { streamId: 'alice-screen', audio: false });
    assert.equal(a.screenStream, null);
    await flush();
    // We joined last, so we offered; alice answers, then adds her screen in an offer of her own.
    const camera: FakeMLine[] = [
      { mid: '0', kind: 'audio', direction: 'sendrecv' },
      { mid: '1', kind: 'video', direction: 'sendrecv' },
    ];
    t.receive({ type: 'answer', from: 'alice', sdp: fakeSdp(camera) });
    await flush();
    env.log.length = 0;
    t.receive({ type: 'offer', from: 'alice', sdp: fakeSdp([...camera, { mid: '2', kind: 'video', direction: 'sendonly', msid: 'alice-screen' }]) });
    await flush();
    const screen = a.screenStream as MediaStream | null;
    assert.ok(screen, 'the screen stream is set');
    assert.equal(screen.getVideoTracks().length, 1);
    assert.ok(a.stream?.getVideoTracks().every((v) => !screen.getTracks().includes(v)), 'the camera stream has no screen track');
    assert.ok(env.log.includes('updated:alice'));

    t.receive({ type: 'screen-share', from: 'alice', screen: null });
    assert.equal(a.screen, null);
    assert.equal(a.screenStream, null);
    t.receive({ type: 'screen-share', from: 'mallory', screen: null }); // strangers are ignored
  });

  it('after a reconnect while sharing, the new links carry the screen and it is announced again', async () => {
    const env = setup({ displayMedia: displayMedia() });
    const t = await join(env, [alice]);
    await env.room.shareScreen();
    const t2 = await reconnect(env, t);
    t2.receive(joinedMsg([alice], { resumeToken: 'tok-2' }));
    await flush();
    assert.deepEqual(t2.sentOf('screen-share'), [{ type: 'screen-share', screen: env.room.localParticipant!.screen }]);
    const fresh = env.pcs.all.at(-1)!;
    // The new link answers first (camera m-lines from alice's offer), then adds the screen.
    t2.receive({ type: 'offer', from: 'alice', sdp: 'v=0 alice' });
    await flush();
    assert.ok(fresh.transceivers.slice(2).some((x) => x.sender.track === env.room.localScreen!.video));
  });

  it('leaving while sharing releases the screen', async () => {
    const display = displayMedia();
    const env = setup({ displayMedia: display });
    await join(env, [alice]);
    await env.room.shareScreen();
    env.room.leave();
    assert.ok(display.videos[0]!.stopped);
    assert.equal(env.room.localScreen, null);
  });
});

describe('Room: renewed ICE servers', () => {
  it('applies "ice-servers" to live connections (setConfiguration) and to new ones', async () => {
    const env = setup({ iceTransportPolicy: 'relay' });
    const t = await join(env, [alice]);
    const renewed = [{ urls: ['turn:lectern.test:3478?transport=udp'], username: '1800000000:self1', credential: 'bmV3' }];
    t.receive({ type: 'ice-servers', iceServers: renewed });
    await flush();
    const [first] = env.pcs.all;
    assert.ok(first!.calls.includes('setConfiguration'));
    assert.deepEqual(first!.config.iceServers, renewed);
    assert.equal(first!.config.iceTransportPolicy, 'relay', 'the rest of the configuration is kept');
    t.receive({ type: 'participant-joined', participant: bob });
    await flush();
    assert.deepEqual(env.pcs.all.at(-1)!.config.iceServers, renewed, 'a new connection starts with the renewed servers');
  });
});
