import { decodeFileMessage, encodeFileMessage, FILE_CHANNEL_PREFIX, type FileMessage } from '@lectern/protocol';
import { TypedEmitter } from '../emitter.js';
import { systemClock, type Clock } from '../ports.js';
import type { Topology } from '../topology/topology.js';
import { IncomingTransfer } from './incoming.js';
import { sha256, type HashFactory } from './io.js';
import { OutgoingTransfer } from './outgoing.js';
import { DEFAULT_TUNING, type FileTransfer, type TransferChannel, type TransferDeps, type TransferTuning } from './transfer.js';

/** Events of {@link FileTransfers}: the single list. */
export type FileTransfersEvents = {
  /** A transfer began: one we send, or an offer to us. */
  transferAdded: [transfer: FileTransfer];
  /** A transfer changed state or made progress. */
  transferUpdated: [transfer: FileTransfer];
  /** A transfer was dropped from the list by {@link FileTransfers.remove}. */
  transferRemoved: [transfer: FileTransfer];
};

/** Offers one participant may have waiting or running towards us at once; more are refused. */
export const MAX_OPEN_INCOMING_PER_PEER = 16;

/** What {@link FileTransfers} needs from the room. */
export interface FileTransfersOptions {
  /** A participant's display name, for the transfer's `peerName`. */
  nameOf(participantId: string): string;
  clock?: Clock;
  hash?: HashFactory;
  tuning?: Partial<TransferTuning>;
}

/** The part of a {@link Topology} file transfer uses. */
export type FileTopology = Pick<Topology, 'openDataChannel' | 'on'>;

/** A file to send: a Blob with the name to announce. A `File` is one. */
export type OutgoingFile = Blob & { readonly name: string };

/**
 * Every file transfer of a room, in both directions, peer to peer over the topology's data
 * channels (never through the server). Reach it as `room.files`.
 */
export class FileTransfers extends TypedEmitter<FileTransfersEvents> {
  readonly #transfers = new Map<string, FileTransfer>();
  readonly #deps: TransferDeps;
  #topology: FileTopology | null = null;
  #detach: Array<() => void> = [];
  #closed = false;

  constructor(private readonly options: FileTransfersOptions) {
    super();
    this.#deps = { clock: options.clock ?? systemClock, hash: options.hash ?? sha256, tuning: { ...DEFAULT_TUNING, ...options.tuning } };
  }

  /** Every transfer still listed, oldest first. */
  get list(): FileTransfer[] {
    return [...this.#transfers.values()];
  }

  /** A transfer by id. */
  get(id: string): FileTransfer | undefined {
    return this.#transfers.get(id);
  }

  /**
   * Offers `file` to each participant in `to` (one transfer each, on its own data channel).
   * Participants without a connection get a transfer that fails at once with reason
   * `connection`.
   */
  send(file: OutgoingFile, to: readonly string[]): OutgoingTransfer[] {
    if (this.#closed) return [];
    return to.map((peerId) => {
      const id = newTransferId();
      const info = { id, peerId, peerName: this.options.nameOf(peerId), name: file.name, size: file.size, mime: file.type.slice(0, 255) };
      const raw = this.#topology?.openDataChannel(peerId, FILE_CHANNEL_PREFIX + id) ?? null;
      const channel = raw ? (raw as unknown as TransferChannel) : closedChannel(FILE_CHANNEL_PREFIX + id);
      const transfer = new OutgoingTransfer(info, file, channel, this.#deps);
      this.#add(transfer);
      if (!raw) transfer.connectionLost(`no connection to ${info.peerName}`);
      return transfer;
    });
  }

  /** Forgets a final transfer (the UI's "clear"). */
  remove(id: string): void {
    const t = this.#transfers.get(id);
    if (!t?.final) return;
    this.#transfers.delete(id);
    this.emit('transferRemoved', t);
  }

  /**
   * Uses a (new) topology for transfers. Transfers on the previous one fail: their channels
   * went with its connections.
   */
  attach(topology: FileTopology): void {
    this.detach('the connection was re-established');
    this.#topology = topology;
    this.#detach.push(
      topology.on('dataChannel', (peerId, channel) => {
        if (channel.label.startsWith(FILE_CHANNEL_PREFIX)) this.#incoming(peerId, channel as unknown as TransferChannel);
      }),
      topology.on('connectionState', (peerId, state) => {
        if (state === 'failed' || state === 'closed') this.peerGone(peerId, `the connection ${state}`);
      }),
    );
  }

  /** Stops using the topology; transfers not yet final fail. */
  detach(reason = 'you left the session'): void {
    for (const off of this.#detach) off();
    this.#detach = [];
    this.#topology = null;
    for (const t of this.#transfers.values()) t.connectionLost(reason);
  }

  /** A participant left or its connection failed: its transfers not yet final fail. */
  peerGone(peerId: string, reason = 'the participant left'): void {
    for (const t of this.#transfers.values()) if (t.peerId === peerId) t.connectionLost(reason);
  }

  /** Fails everything unfinished and drops all listeners. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.detach();
    this.#closed = true;
    this.removeAllListeners();
  }

  #incoming(peerId: string, channel: TransferChannel): void {
    if (this.#closed) return channel.close();
    const id = channel.label.slice(FILE_CHANNEL_PREFIX.length);
    channel.binaryType = 'arraybuffer';
    const refuse = (message: string) => {
      const err: FileMessage = { type: 'file-error', id: /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : 'invalid-id', reason: 'protocol', message };
      if (channel.readyState === 'open') channel.send(encodeFileMessage(err));
      channel.close();
    };
    // The first frame must be the offer; the transfer takes the channel over from there.
    channel.onmessage = ({ data }) => {
      channel.onmessage = null;
      const decoded = typeof data === 'string' ? decodeFileMessage(data) : null;
      if (!decoded?.ok || decoded.message.type !== 'file-offer') return refuse('the first message must be file-offer');
      const offer = decoded.message;
      if (offer.id !== id || this.#transfers.has(id)) return refuse('file-offer id does not match the channel');
      const open = this.list.filter((t) => t.peerId === peerId && t.direction === 'receive' && !t.final).length;
      if (open >= MAX_OPEN_INCOMING_PER_PEER) return refuse(`at most ${MAX_OPEN_INCOMING_PER_PEER} open offers per participant`);
      this.#add(new IncomingTransfer({ id, peerId, peerName: this.options.nameOf(peerId), name: offer.name, size: offer.size, mime: offer.mime }, channel, this.#deps));
    };
  }

  #add(transfer: FileTransfer): void {
    this.#transfers.set(transfer.id, transfer);
    transfer.on('stateChanged', () => this.emit('transferUpdated', transfer));
    transfer.on('progress', () => this.emit('transferUpdated', transfer));
    this.emit('transferAdded', transfer);
  }
}

/** A random transfer id: 16 base64url characters (96 bits). */
export function newTransferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_');
}

/** Stands in for a channel that could not be opened. */
function closedChannel(label: string): TransferChannel {
  return {
    label,
    readyState: 'closed',
    bufferedAmount: 0,
    bufferedAmountLowThreshold: 0,
    binaryType: 'arraybuffer',
    send: () => {},
    close: () => {},
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    onbufferedamountlow: null,
  };
}
