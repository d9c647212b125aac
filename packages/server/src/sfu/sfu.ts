import type { Logger } from 'pino';
import ndc from 'node-datachannel';
import { ErrorCodes, LecternError, type ClientMessageOf, type ServerMessage } from '@lectern/protocol';
import { SfuRoom, type SfuOptions } from './sfu-room.js';
import { SendPath, type SfuSendStats } from './send-path.js';

/** A message from a client for its SFU connections. */
export type SfuClientMessage = ClientMessageOf<'sfu-publish' | 'sfu-subscribe-answer' | 'sfu-candidate' | 'sfu-view'>;

/** What /healthz shows of the SFU: its sessions and its outgoing media counters. */
export interface SfuStats extends SfuSendStats {
  sessions: number;
}

/**
 * What signaling needs from the media plane, in this process ({@link Sfu}) or in worker
 * processes (`SfuWorkers`). `handle` throws LecternError for a participant the SFU does not
 * carry; a worker reports later failures to the participant as an `error` message.
 */
export interface SfuMediaPlane {
  join(code: string, participantId: string): void;
  leave(code: string, participantId: string): void;
  setForcedOff(code: string, participantId: string, off: { audio: boolean; video: boolean }): void;
  handle(code: string, participantId: string, msg: SfuClientMessage): void;
  /** Sessions and outgoing media counters (with worker processes, as of their last report, ≤ 1 s old). */
  stats(): SfuStats;
  close(): void | Promise<void>;
}

/** Live SFUs in this process; libdatachannel's threads are stopped when the last one closes. */
let live = 0;

/**
 * The media plane: one {@link SfuRoom} per session in SFU mode. Signaling hands it joins,
 * leaves and the clients' SFU messages; it answers through `sendTo`.
 */
export class Sfu implements SfuMediaPlane {
  readonly #rooms = new Map<string, SfuRoom>();
  readonly #sendPath: SendPath;
  #closed = false;

  constructor(
    private readonly options: SfuOptions,
    private readonly sendTo: (code: string, participantId: string, message: ServerMessage) => void,
    private readonly log: Logger,
  ) {
    this.#sendPath = new SendPath(options.testLoss ?? 0);
    if (this.#sendPath.loss > 0) this.log.warn({ loss: this.#sendPath.loss }, 'SFU test loss on: dropping forwarded media on purpose');
    ndc.initLogger('Error', (level, message) => this.log.debug({ level }, `libdatachannel: ${message}`));
    live++;
  }

  /** Number of sessions with media at the SFU. */
  get size(): number {
    return this.#rooms.size;
  }

  /** Counters since the start, for /healthz (a snapshot). */
  stats(): SfuStats {
    return { sessions: this.#rooms.size, ...this.#sendPath.stats };
  }

  /** A participant joined (or re-joined) an SFU session: set up its connections. */
  join(code: string, participantId: string): void {
    if (this.#closed) throw new LecternError(ErrorCodes.SERVER_BUSY, 'the server is shutting down');
    let room = this.#rooms.get(code);
    if (!room) {
      room = new SfuRoom(code, this.options, (id, m) => this.sendTo(code, id, m), this.log.child({ code }), this.#sendPath);
      this.#rooms.set(code, room);
    }
    room.add(participantId);
  }

  /** A participant left: its media stops for everyone at once. */
  leave(code: string, participantId: string): void {
    const room = this.#rooms.get(code);
    if (!room) return;
    room.remove(participantId);
    if (room.size === 0) {
      room.close();
      this.#rooms.delete(code);
    }
  }

  /** Stops (or resumes) forwarding a participant's audio or video: a host's mute, enforced. */
  setForcedOff(code: string, participantId: string, off: { audio: boolean; video: boolean }): void {
    this.#rooms.get(code)?.setForcedOff(participantId, off);
  }

  /** Handles a client's SFU message. Throws LecternError on misuse. */
  handle(code: string, participantId: string, msg: SfuClientMessage): void {
    const room = this.#rooms.get(code);
    const peer = room?.peer(participantId);
    if (!room || !peer) throw new LecternError(ErrorCodes.NOT_ALLOWED, 'this session does not use the SFU');
    switch (msg.type) {
      case 'sfu-publish':
        return usable('offer', () => peer.publish(msg.sdp, msg.ssrcs));
      case 'sfu-subscribe-answer':
        return usable('answer', () => peer.subscribeAnswer(msg.sdp));
      case 'sfu-candidate':
        try {
          peer.candidate(msg.pc, msg.candidate);
        } catch {
          // A candidate the ICE agent cannot parse is ignored, as browsers do.
        }
        return;
      case 'sfu-view':
        return room.view(participantId, msg.views);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
    // Its worker threads would otherwise keep the process alive.
    if (--live === 0) ndc.cleanup();
  }
}

/** Runs an SDP step; a description libdatachannel or our filter rejects becomes BAD_MESSAGE. */
function usable(what: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    throw new LecternError(ErrorCodes.BAD_MESSAGE, `the ${what} cannot be used: ${(err as Error).message}`);
  }
}
