import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ErrorCodes, LecternError } from '@lectern/protocol';
import { flush, installFakeMediaStream } from './fakes.test-helpers.js';
import type { ModerationNotice } from './moderation.js';
import { CODE, alice, bob, connect, join, joinedMsg, setup } from './room.test-helpers.js';

const ANA = { id: 'alice', name: 'Alice' };
const ME = { id: 'self1', name: 'Me' };

describe('Room.moderation', () => {
  before(installFakeMediaStream);

  it('a participant cannot use host controls: NOT_ALLOWED, nothing sent', async () => {
    const env = setup();
    const t = await join(env);
    const before = t.sent.length;
    assert.throws(() => env.room.moderation.mute('alice'), (e: unknown) => e instanceof LecternError && e.code === ErrorCodes.NOT_ALLOWED);
    assert.throws(() => env.room.moderation.setLocked(true), (e: unknown) => e instanceof LecternError && e.code === ErrorCodes.NOT_ALLOWED);
    assert.equal(t.sent.length, before);
    env.room.moderation.raiseHand();
    env.room.moderation.react('👏');
    assert.deepEqual(t.sent.slice(before), [{ type: 'raise-hand', raised: true }, { type: 'reaction', emoji: '👏' }]);
  });

  it('a host sends controls; the role follows `role` messages', async () => {
    const env = setup();
    const t = await connect(env);
    const done = env.room.join(CODE, { name: 'Me', media: env.media });
    t.receive(joinedMsg([alice, bob], { self: { ...joinedMsg([]).self, role: 'host' } }));
    await done;
    assert.equal(env.room.localParticipant?.role, 'host');
    assert.ok(env.room.moderation.isHost);
    env.room.moderation.mute('alice');
    env.room.moderation.setLobby(true);
    env.room.moderation.spotlight({ participantId: 'bob', screen: false });
    assert.deepEqual(t.sent.slice(-3), [
      { type: 'mute', participantId: 'alice' },
      { type: 'set-lobby', enabled: true },
      { type: 'spotlight', spotlight: { participantId: 'bob', screen: false } },
    ]);
    t.receive({ type: 'role', participantId: 'alice', role: 'cohost' });
    assert.equal(env.room.participants.get('alice')?.role, 'cohost');
    t.receive({ type: 'role', participantId: 'self1', role: 'cohost' });
    assert.equal(env.room.localParticipant?.role, 'cohost');
    assert.throws(() => env.room.moderation.makeHost('bob'), (e: unknown) => e instanceof LecternError && e.code === ErrorCodes.NOT_ALLOWED);
  });

  it('room-state becomes moderation.state; hands and the own hand', async () => {
    const env = setup();
    const t = await join(env);
    const seen: boolean[] = [];
    env.room.moderation.on('changed', (s) => seen.push(s.locked));
    t.receive({ type: 'room-state', locked: true, lobby: false, spotlight: null, hands: [{ participantId: 'self1', name: 'Me' }], waiting: [] });
    assert.equal(env.room.moderation.state.locked, true);
    assert.ok(env.room.moderation.handRaised);
    assert.deepEqual(seen, [true]);
  });

  it('a host mute is obeyed: the microphone mutes and everyone is told', async () => {
    const env = setup();
    const t = await join(env);
    const notices: ModerationNotice[] = [];
    env.room.moderation.on('notice', (n) => notices.push(n));
    t.receive({ type: 'moderation', action: 'mute', by: ANA, target: ME });
    assert.equal(env.media.muted, true);
    assert.deepEqual(t.sentOf('media-state').at(-1), { type: 'media-state', muted: true, cameraOff: false });
    t.receive({ type: 'moderation', action: 'camera-off', by: ANA, target: ME });
    await flush();
    assert.equal(env.media.cameraOff, true);
    t.receive({ type: 'moderation', action: 'mute', by: ANA, target: { id: 'bob', name: 'Bob' } });
    assert.deepEqual(notices.map((n) => [n.action, n.toMe]), [['mute', true], ['camera-off', true], ['mute', false]]);
  });

  it('removed: the session ends with REMOVED naming who did it', async () => {
    const env = setup();
    const t = await join(env);
    const ended: LecternError[] = [];
    env.room.on('sessionEnded', (e) => ended.push(e));
    t.receive({ type: 'moderation', action: 'remove', by: ANA, target: ME });
    assert.equal(env.room.state, 'left');
    assert.equal(ended[0]?.code, ErrorCodes.REMOVED);
    assert.match(ended[0]!.message, /Alice/);
    assert.equal(env.room.participants.size, 0);
  });

  it('lobby: join waits past the request timeout in `waiting`, then joins when admitted', async () => {
    const env = setup();
    const t = await connect(env);
    const done = env.room.join(CODE, { name: 'Me', media: env.media });
    t.receive({ type: 'lobby-waiting', code: CODE });
    assert.equal(env.room.state, 'waiting');
    env.clock.advance(60_000);
    await flush();
    assert.equal(env.room.state, 'waiting', 'no timeout while waiting');
    t.receive(joinedMsg([alice]));
    await done;
    assert.equal(env.room.state, 'joined');
  });

  it('lobby: denied rejects with LOBBY_DENIED; leaving the lobby rejects and goes back to connected', async () => {
    const env = setup();
    const t = await connect(env);
    const denied = env.room.join(CODE, { name: 'Me', media: env.media });
    t.receive({ type: 'lobby-waiting', code: CODE });
    t.receive({ type: 'join-error', code: 'LOBBY_DENIED', message: 'Alice did not let you in' });
    await assert.rejects(denied, (e: unknown) => e instanceof LecternError && e.code === ErrorCodes.LOBBY_DENIED);
    assert.equal(env.room.state, 'connected');
    const left = env.room.join(CODE, { name: 'Me', media: env.media });
    t.receive({ type: 'lobby-waiting', code: CODE });
    env.room.leave();
    await assert.rejects(left, (e: unknown) => e instanceof LecternError && e.code === ErrorCodes.INVALID_STATE);
    assert.equal(env.room.state, 'connected');
    assert.deepEqual(t.sent.at(-1), { type: 'leave' });
  });

  it('reactions are passed on with the sender', async () => {
    const env = setup();
    const t = await join(env);
    const got: string[] = [];
    env.room.moderation.on('reaction', (from, emoji) => got.push(`${from}:${emoji}`));
    t.receive({ type: 'reaction', from: 'bob', emoji: '🎉' });
    assert.deepEqual(got, ['bob:🎉']);
  });
});
