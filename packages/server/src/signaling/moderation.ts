import type { Logger } from 'pino';
import {
  ErrorCodes,
  LecternError,
  assertNever,
  type ModerationAction,
  type ModerationMessage,
  type ModerationMessageType,
  type Role,
} from '@lectern/protocol';
import type { WaitingJoiner } from '../rooms/controls.js';
import type { Participant } from '../rooms/participant.js';
import { atLeast } from '../rooms/roles.js';
import type { Room } from '../rooms/room.js';
import type { SfuMediaPlane } from '../sfu/sfu.js';
import type { Connection } from './connection.js';

/**
 * The least role each classroom control needs: the one table of who may do what. The server
 * checks it on every message; a participant acting above its role gets NOT_ALLOWED.
 */
export const REQUIRED_ROLE: Record<ModerationMessageType, Role> = {
  mute: 'cohost',
  'mute-all': 'cohost',
  'camera-off': 'cohost',
  'stop-screen': 'cohost',
  remove: 'cohost',
  'set-role': 'host',
  'make-host': 'host',
  'set-lock': 'cohost',
  'set-lobby': 'cohost',
  admit: 'cohost',
  'admit-all': 'cohost',
  deny: 'cohost',
  'raise-hand': 'participant',
  'lower-hand': 'cohost',
  reaction: 'participant',
  spotlight: 'cohost',
};

/** A member may send at most one reaction per this many milliseconds. */
const REACTION_INTERVAL_MS = 200;

/** What the moderation handler needs from signaling. */
export interface ModerationHost {
  /** Puts an admitted lobby joiner into the session; throws like a join does. */
  enter(conn: Connection, room: Room, joiner: WaitingJoiner): void;
  readonly sfu: SfuMediaPlane | null;
  replyError(conn: Connection, err: unknown, ref: string): void;
  /** A resume token for a member, carrying `role`. */
  resumeToken(p: Participant, room: Room, role: Role): string;
  readonly log: Logger;
}

/**
 * Classroom controls: host and co-host actions, the lobby, raised hands, reactions and
 * spotlight. Every message is checked against {@link REQUIRED_ROLE} before anything happens,
 * and every action is announced to the session with who did it.
 */
export class Moderation {
  readonly #lastReaction = new WeakMap<Participant, number>();

  constructor(private readonly host: ModerationHost) {}

  handle(conn: Connection, msg: ModerationMessage): void {
    try {
      const { room, participant: actor } = conn;
      if (!room || !actor) throw new LecternError(ErrorCodes.NOT_JOINED, 'join a session first');
      const needed = REQUIRED_ROLE[msg.type];
      if (!atLeast(actor.role, needed)) {
        throw new LecternError(ErrorCodes.NOT_ALLOWED, `only ${needed === 'host' ? 'the host' : 'a host or co-host'} may do that`);
      }
      this.#dispatch(room, actor, msg);
    } catch (err) {
      this.host.replyError(conn, err, msg.type);
    }
  }

  #dispatch(room: Room, actor: Participant, msg: ModerationMessage): void {
    switch (msg.type) {
      case 'mute':
        return this.#forceOff(room, actor, this.#target(room, actor, msg.participantId), 'audio');
      case 'camera-off':
        return this.#forceOff(room, actor, this.#target(room, actor, msg.participantId), 'video');
      case 'mute-all':
        for (const p of room.participants.values()) if (p.role === 'participant' && p !== actor) this.#forceOff(room, actor, p, 'audio', false);
        return this.#notice(room, 'mute-all', actor, null);
      case 'stop-screen':
        return this.#stopScreen(room, actor, this.#target(room, actor, msg.participantId));
      case 'remove':
        return this.#remove(room, actor, this.#target(room, actor, msg.participantId, false));
      case 'set-role': {
        const target = this.#target(room, actor, msg.participantId, false);
        if (target.role === 'host') throw new LecternError(ErrorCodes.NOT_ALLOWED, 'hand the host role over instead');
        this.#renewToken(room, target, msg.role);
        room.setRole(target.id, msg.role);
        target.link.send(room.controls.stateFor(target.id, target.role));
        return this.#notice(room, msg.role === 'cohost' ? 'make-cohost' : 'revoke-cohost', actor, target);
      }
      case 'make-host': {
        const target = this.#target(room, actor, msg.participantId, false);
        this.#renewToken(room, target, 'host');
        this.#renewToken(room, actor, 'cohost');
        room.setRole(target.id, 'host');
        for (const p of [target, actor]) p.link.send(room.controls.stateFor(p.id, p.role));
        return this.#notice(room, 'make-host', actor, target);
      }
      case 'set-lock':
        room.controls.locked = msg.locked;
        room.publishControls();
        return this.#notice(room, msg.locked ? 'lock' : 'unlock', actor, null);
      case 'set-lobby':
        room.controls.lobby = msg.enabled;
        // With the lobby off nobody should be left waiting for it.
        if (!msg.enabled) for (const w of [...room.controls.waiting.values()]) this.#admit(room, actor, w, false);
        room.publishControls();
        return this.#notice(room, msg.enabled ? 'lobby-on' : 'lobby-off', actor, null);
      case 'admit':
        return this.#admit(room, actor, this.#waiter(room, msg.participantId));
      case 'admit-all':
        for (const w of [...room.controls.waiting.values()]) this.#admit(room, actor, w);
        return;
      case 'deny':
        return this.#deny(room, actor, this.#waiter(room, msg.participantId));
      case 'raise-hand':
        if (msg.raised && !room.controls.hands.has(actor.id)) room.controls.hands.set(actor.id, actor.name);
        else if (!msg.raised) room.controls.hands.delete(actor.id);
        return this.#publishHands(room, actor);
      case 'lower-hand': {
        const target = this.#target(room, actor, msg.participantId);
        if (!room.controls.hands.delete(target.id)) return;
        this.#publishHands(room, target);
        return this.#notice(room, 'lower-hand', actor, target, 'staff');
      }
      case 'reaction': {
        const now = Date.now();
        if (now - (this.#lastReaction.get(actor) ?? 0) < REACTION_INTERVAL_MS) throw new LecternError(ErrorCodes.RATE_LIMITED, 'too many reactions');
        this.#lastReaction.set(actor, now);
        return room.broadcast({ type: 'reaction', from: actor.id, emoji: msg.emoji });
      }
      case 'spotlight': {
        const s = msg.spotlight;
        if (s) {
          const target = this.#target(room, actor, s.participantId);
          if (s.screen && !target.screen) throw new LecternError(ErrorCodes.NOT_ALLOWED, `${target.name} is not sharing a screen`);
        }
        room.controls.spotlight = s;
        room.publishControls();
        return this.#notice(room, s ? 'spotlight' : 'clear-spotlight', actor, s ? room.get(s.participantId)! : null);
      }
      default:
        return assertNever(msg, 'moderation message');
    }
  }

  /** Before a role changes, its member gets a resume token with the new role (it outlives a restart). */
  #renewToken(room: Room, p: Participant, role: Role): void {
    if (p.role !== role) p.link.send({ type: 'resume-token', resumeToken: this.host.resumeToken(p, room, role) });
  }

  /** A member stopped sharing: a spotlight on that screen ends with it. */
  screenStopped(room: Room, p: Participant): void {
    const s = room.controls.spotlight;
    if (!s?.screen || s.participantId !== p.id) return;
    room.controls.spotlight = null;
    room.publishControls();
  }

  /** The member lifted media a host turned off (by turning it on themselves). */
  mediaChanged(room: Room, p: Participant): void {
    const before = { ...p.forcedOff };
    if (!p.media.muted) p.forcedOff.audio = false;
    if (!p.media.cameraOff) p.forcedOff.video = false;
    if (before.audio !== p.forcedOff.audio || before.video !== p.forcedOff.video) this.#enforce(room, p);
  }

  /** The member `id` of the room, whom `actor` may act on (a co-host may not act on the host). */
  #target(room: Room, actor: Participant, id: string, selfAllowed = true): Participant {
    const target = room.get(id);
    if (!target) throw new LecternError(ErrorCodes.PARTICIPANT_NOT_FOUND, `no participant "${id}" in this session`);
    if (!selfAllowed && target === actor) throw new LecternError(ErrorCodes.NOT_ALLOWED, 'you cannot do that to yourself');
    if (target.role === 'host' && actor.role !== 'host' && target !== actor) {
      throw new LecternError(ErrorCodes.NOT_ALLOWED, 'a co-host cannot do that to the host');
    }
    return target;
  }

  #waiter(room: Room, id: string): WaitingJoiner {
    const w = room.controls.waiting.get(id);
    if (!w) throw new LecternError(ErrorCodes.PARTICIPANT_NOT_FOUND, 'nobody by that id is waiting in the lobby');
    return w;
  }

  /** Mutes a microphone or turns a camera off, for everyone, until the member turns it on again. */
  #forceOff(room: Room, actor: Participant, target: Participant, kind: 'audio' | 'video', notify = true): void {
    target.forcedOff[kind] = true;
    target.media = kind === 'audio' ? { ...target.media, muted: true } : { ...target.media, cameraOff: true };
    this.#enforce(room, target);
    room.broadcast({ type: 'media-state', from: target.id, ...target.media }, target.id);
    if (notify) this.#notice(room, kind === 'audio' ? 'mute' : 'camera-off', actor, target);
  }

  /** In SFU mode the server itself stops forwarding what a host turned off. */
  #enforce(room: Room, p: Participant): void {
    if (room.topology === 'sfu') this.host.sfu?.setForcedOff(room.code, p.id, p.forcedOff);
  }

  #stopScreen(room: Room, actor: Participant, target: Participant): void {
    if (target.screen) {
      target.screen = null;
      room.broadcast({ type: 'screen-share', from: target.id, screen: null }, target.id);
      this.screenStopped(room, target);
    }
    this.#notice(room, 'stop-screen', actor, target);
  }

  /** Removes a member for good: they are told, and neither their id nor their identity may rejoin. */
  #remove(room: Room, actor: Participant, target: Participant): void {
    this.#notice(room, 'remove', actor, target);
    const conn = target.link as Connection;
    room.controls.ban(target.id, conn.grant?.identity ?? undefined);
    if (conn.participant === target) {
      conn.room = null;
      conn.participant = null;
      if (conn.state === 'joined') conn.transition('ready');
    }
    room.remove(target.id, 'removed');
    this.host.sfu?.leave(room.code, target.id);
    this.host.log.info({ code: room.code, by: actor.id, removed: target.id }, 'participant removed');
  }

  #admit(room: Room, actor: Participant, w: WaitingJoiner, notify = true): void {
    room.controls.waiting.delete(w.id);
    const conn = w.link as Connection;
    if (conn.state === 'waiting' && conn.waitingIn === room) {
      try {
        this.host.enter(conn, room, w);
        if (notify) this.#notice(room, 'admit', actor, { id: w.id, name: w.name }, 'staff');
      } catch (err) {
        this.#release(conn);
        const e = err instanceof LecternError ? err : new LecternError(ErrorCodes.INTERNAL, 'the server failed to let you in');
        conn.send({ type: 'join-error', code: e.code, message: e.message });
      }
    }
    room.publishControls(true);
  }

  #deny(room: Room, actor: Participant, w: WaitingJoiner): void {
    room.controls.waiting.delete(w.id);
    const conn = w.link as Connection;
    if (conn.waitingIn === room) {
      this.#release(conn);
      conn.send({ type: 'join-error', code: ErrorCodes.LOBBY_DENIED, message: `${actor.name} did not let you in to this session` });
    }
    room.publishControls(true);
    this.#notice(room, 'deny', actor, { id: w.id, name: w.name }, 'staff');
  }

  #release(conn: Connection): void {
    conn.waitingIn = null;
    if (conn.state === 'waiting') conn.transition('ready');
  }

  /** Hosts and co-hosts see the whole queue; `member` sees their own hand. */
  #publishHands(room: Room, member: Participant): void {
    room.publishControls(true);
    if (member.role === 'participant') member.link.send(room.controls.stateFor(member.id, member.role));
  }

  /** Tells the session (or only its hosts, co-hosts and the target) what `by` did. */
  #notice(room: Room, action: ModerationAction, by: Participant, target: { id: string; name: string } | null, audience: 'all' | 'staff' = 'all'): void {
    const message = { type: 'moderation' as const, action, by: { id: by.id, name: by.name }, target: target ? { id: target.id, name: target.name } : null };
    if (audience === 'all') {
      room.broadcast(message); // a removed member is still in the room here, so hears it too
      return;
    }
    for (const p of room.participants.values()) if (p.role !== 'participant' || p.id === target?.id) p.link.send(message);
  }
}
