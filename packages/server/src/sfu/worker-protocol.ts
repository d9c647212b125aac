import type { ErrorCode, ServerMessage } from '@lectern/protocol';
import type { SfuClientMessage, SfuStats } from './sfu.js';
import type { SfuOptions } from './sfu-room.js';
import type { LecternConfig } from '../config.js';

/**
 * The messages between the signaling process and an SFU worker process (Node IPC). Sessions
 * and participants are named by code and id; the worker owns everything about their media.
 */
export type ToWorker =
  | { op: 'join'; code: string; participantId: string }
  | { op: 'leave'; code: string; participantId: string }
  | { op: 'forced-off'; code: string; participantId: string; off: { audio: boolean; video: boolean } }
  | { op: 'signal'; code: string; participantId: string; message: SfuClientMessage }
  | { op: 'close' };

export type FromWorker =
  | { op: 'ready' }
  /** The worker's counters, every second. */
  | { op: 'stats'; stats: SfuStats }
  | { op: 'send'; code: string; participantId: string; message: ServerMessage }
  /** A client's SFU message could not be used; the client gets `error` with this code. */
  | { op: 'refused'; code: string; participantId: string; ref: string; error: { code: ErrorCode; message: string } };

/** What a worker is started with (as JSON in its environment). */
export interface WorkerInit {
  index: number;
  options: SfuOptions;
  logLevel: LecternConfig['logLevel'];
}

/** How often a worker reports its counters. */
export const STATS_EVERY_MS = 1000;

/** The environment variable that carries {@link WorkerInit}. */
export const WORKER_INIT_ENV = 'LECTERN_SFU_WORKER_INIT';
