import { decodeFileMessage, encodeFileMessage, type FileFailureReason, type FileMessage } from '@lectern/protocol';
import { TypedEmitter } from '../emitter.js';
import type { Clock } from '../ports.js';
import { StateMachine } from '../state.js';
import type { HashFactory } from './io.js';
import { ProgressMeter, type TransferProgress } from './progress.js';

/**
 * Where a transfer is. Senders start `waiting` (for accept), receivers `offered` (to the user);
 * `verifying` is the receiver checking the SHA-256, and the sender waiting to hear it matched.
 * The last four are final.
 */
export type TransferState = 'offered' | 'waiting' | 'transferring' | 'verifying' | 'complete' | 'declined' | 'cancelled' | 'failed';

const TABLE: Record<TransferState, readonly TransferState[]> = {
  offered: ['transferring', 'declined', 'cancelled', 'failed'],
  waiting: ['transferring', 'declined', 'cancelled', 'failed'],
  transferring: ['verifying', 'cancelled', 'failed'],
  verifying: ['complete', 'cancelled', 'failed'],
  complete: [],
  declined: [],
  cancelled: [],
  failed: [],
};

/** True for states a transfer never leaves. */
export function isFinal(state: TransferState): boolean {
  return TABLE[state].length === 0;
}

/** Why a transfer failed: a reason from the wire, or the connection to the peer went away. */
export type TransferFailureReason = FileFailureReason | 'connection';

/** A failed transfer's reason and details (for logs). */
export interface TransferFailure {
  reason: TransferFailureReason;
  message: string;
  /** True when the other side reported it. */
  remote: boolean;
}

/** Events of a {@link FileTransfer}: the single list. */
export type FileTransferEvents = {
  stateChanged: [state: TransferState, previous: TransferState];
  /** Bytes moved; `bytes` never decreases. At most about ten times a second, plus the last. */
  progress: [progress: TransferProgress];
};

/**
 * The part of RTCDataChannel a transfer uses (an RTCDataChannel is one; tests pass fakes).
 */
export interface TransferChannel {
  readonly label: string;
  readonly readyState: RTCDataChannelState;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: BinaryType;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: ((event: unknown) => void) | null;
  onbufferedamountlow: (() => void) | null;
}

/** Sizes that trade throughput against memory; see bench/files.ts. */
export interface TransferTuning {
  /** Bytes per data-channel message. */
  chunkBytes: number;
  /** Bytes read from the file at a time. */
  blockBytes: number;
  /** The sender keeps the channel's bufferedAmount at or below this. */
  highWaterBytes: number;
  /** ...and refills when it falls to this (bufferedAmountLowThreshold). */
  lowWaterBytes: number;
  /** The sender may run this far ahead of the receiver's last `file-ack`. */
  windowBytes: number;
  /** The receiver acknowledges every this many bytes. */
  ackEveryBytes: number;
}

/** The reference client's tuning. */
export const DEFAULT_TUNING: TransferTuning = {
  chunkBytes: 64 * 1024,
  blockBytes: 1024 * 1024,
  highWaterBytes: 8 * 1024 * 1024,
  lowWaterBytes: 2 * 1024 * 1024,
  windowBytes: 32 * 1024 * 1024,
  ackEveryBytes: 4 * 1024 * 1024,
};

/** What every transfer needs from its owner. */
export interface TransferDeps {
  clock: Clock;
  hash: HashFactory;
  tuning: TransferTuning;
}

/** Who and what a transfer is about. */
export interface TransferInfo {
  id: string;
  peerId: string;
  /** The other participant's display name when the transfer began. */
  peerName: string;
  /** The file's name as the sender has it: untrusted, render as text. */
  name: string;
  size: number;
  mime: string;
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * One file going to, or coming from, one participant over its own data channel. Subclasses
 * speak the two halves of the control protocol; this holds state, progress and teardown.
 */
export abstract class FileTransfer extends TypedEmitter<FileTransferEvents> {
  abstract readonly direction: 'send' | 'receive';
  readonly id: string;
  readonly peerId: string;
  readonly peerName: string;
  readonly name: string;
  readonly size: number;
  readonly mime: string;
  /** Set when the state is `failed`. */
  failure: TransferFailure | null = null;
  /** Set when the state is `cancelled`: who cancelled. */
  cancelledBy: 'local' | 'remote' | null = null;
  protected readonly sm: StateMachine<TransferState>;
  protected readonly meter: ProgressMeter;
  #lastProgressAt = -Infinity;

  constructor(
    info: TransferInfo,
    initial: TransferState,
    protected readonly channel: TransferChannel,
    protected readonly deps: TransferDeps,
  ) {
    super();
    this.id = info.id;
    this.peerId = info.peerId;
    this.peerName = info.peerName;
    this.name = info.name;
    this.size = info.size;
    this.mime = info.mime;
    this.meter = new ProgressMeter(info.size);
    this.sm = new StateMachine<TransferState>(initial, TABLE, (to, from) => this.emit('stateChanged', to, from));
    channel.binaryType = 'arraybuffer';
    channel.onmessage = ({ data }) => {
      if (this.final) return;
      try {
        if (typeof data === 'string') {
          const decoded = decodeFileMessage(data);
          if (decoded.ok) this.onControl(decoded.message);
          else this.fail('protocol', decoded.reason, false, true);
        } else if (data instanceof ArrayBuffer) {
          this.onBytes(new Uint8Array(data));
        } else {
          this.fail('protocol', 'unexpected frame', false, true);
        }
      } catch (err) {
        this.fail('protocol', err instanceof Error ? err.message : String(err), false, true);
      }
    };
    channel.onclose = () => this.connectionLost('the data channel closed');
    channel.onerror = () => {};
  }

  get state(): TransferState {
    return this.sm.state;
  }

  /** True once the transfer is complete, declined, cancelled or failed. */
  get final(): boolean {
    return isFinal(this.sm.state);
  }

  /** The latest progress. */
  get progress(): TransferProgress {
    return this.meter.progress;
  }

  /** Stops the transfer; the other side is told and shows "cancelled". No-op once final. */
  cancel(): void {
    if (this.final) return;
    this.cancelledBy = 'local';
    this.send({ type: 'file-cancel', id: this.id });
    this.finish('cancelled');
  }

  /** The connection to the peer is gone: a transfer not yet final fails. */
  connectionLost(message: string): void {
    if (!this.final) this.fail('connection', message, false, false);
  }

  protected abstract onControl(message: FileMessage): void;
  protected abstract onBytes(chunk: Uint8Array): void;
  /** Called once when the transfer reaches a final state, before the channel closes. */
  protected abstract released(): void;

  protected send(message: FileMessage): void {
    if (this.channel.readyState !== 'open') return;
    try {
      this.channel.send(encodeFileMessage(message));
    } catch {
      // The channel is going away; onclose settles the state.
    }
  }

  /** Records progress and emits it, at most every 100 ms unless `force`. */
  protected reportProgress(bytes: number, force = false): void {
    const now = this.deps.clock.now();
    this.meter.update(bytes, now);
    if (!force && now - this.#lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.#lastProgressAt = now;
    this.emit('progress', this.meter.progress);
  }

  /** Fails the transfer; `tell` sends `file-error` to the other side first. */
  protected fail(reason: TransferFailureReason, message: string, remote: boolean, tell: boolean): void {
    if (this.final) return;
    if (tell && reason !== 'connection') this.send({ type: 'file-error', id: this.id, reason, message: message.slice(0, 500) });
    this.failure = { reason, message, remote };
    this.finish('failed');
  }

  /** Moves to a final state, releases resources, closes the channel. */
  protected finish(state: 'complete' | 'declined' | 'cancelled' | 'failed'): void {
    if (this.final) return;
    this.sm.transition(state);
    this.released();
    this.channel.onmessage = null;
    this.channel.onclose = null;
    this.channel.onbufferedamountlow = null;
    this.channel.close();
  }
}
