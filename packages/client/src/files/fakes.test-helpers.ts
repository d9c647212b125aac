import { TypedEmitter } from '../emitter.js';
import type { TopologyEvents } from '../topology/topology.js';
import type { FileTopology } from './transfers.js';
import type { TransferChannel } from './transfer.js';

/**
 * One end of an in-memory data channel pair. Messages are delivered one per macrotask, so a fast
 * sender really fills `bufferedAmount`; `bufferedamountlow` fires when it falls to the threshold,
 * as in browsers. `close()` delivers what is queued first; `drop()` does not.
 */
export class FakeChannel implements TransferChannel {
  readyState: RTCDataChannelState = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  binaryType: BinaryType = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onbufferedamountlow: (() => void) | null = null;
  peer!: FakeChannel;
  /** Every text frame sent, decoded, for assertions. */
  readonly textSent: unknown[] = [];
  /** Called after each frame this end delivered to its peer, with the count so far. */
  afterDeliver: ((count: number) => void) | null = null;
  #delivered = 0;
  /** The highest bufferedAmount ever reached. */
  maxBuffered = 0;
  #queue: Array<string | ArrayBuffer> = [];
  #pumping = false;
  #closing = false;

  constructor(readonly label: string) {}

  static pair(label: string): [FakeChannel, FakeChannel] {
    const a = new FakeChannel(label);
    const b = new FakeChannel(label);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  open(): void {
    for (const c of [this, this.peer]) {
      c.readyState = 'open';
      c.onopen?.();
    }
  }

  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: channel not open');
    if (typeof data === 'string') this.textSent.push(parseOrRaw(data));
    const frame = typeof data === 'string' ? data : data.slice().buffer;
    this.bufferedAmount += typeof frame === 'string' ? frame.length : frame.byteLength;
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    this.#queue.push(frame);
    this.#pump();
  }

  close(): void {
    if (this.readyState === 'closed' || this.#closing) return;
    this.#closing = true;
    this.readyState = 'closing';
    if (this.#queue.length === 0) this.#closeBoth();
  }

  /** The connection dies: nothing more is delivered, both ends close. */
  drop(): void {
    this.#queue = [];
    this.peer.#queue = [];
    this.#closeBoth();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => {
      this.#pumping = false;
      const frame = this.#queue.shift();
      if (frame === undefined) return;
      const size = typeof frame === 'string' ? frame.length : frame.byteLength;
      const before = this.bufferedAmount;
      this.bufferedAmount -= size;
      if (this.peer.readyState === 'open' || this.peer.readyState === 'closing') this.peer.onmessage?.({ data: frame });
      this.afterDeliver?.(++this.#delivered);
      if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.onbufferedamountlow?.();
      if (this.#queue.length > 0) this.#pump();
      else if (this.#closing) this.#closeBoth();
    });
  }

  #closeBoth(): void {
    for (const c of [this, this.peer]) {
      if (c.readyState === 'closed') continue;
      c.readyState = 'closed';
      c.bufferedAmount = 0;
      setImmediate(() => c.onclose?.());
    }
  }
}

function parseOrRaw(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Two topologies joined by fake channels: `a.openDataChannel('b', ...)` reaches `b`. */
export function fakeTopologyPair(): { a: FakeFileTopology; b: FakeFileTopology } {
  const a = new FakeFileTopology('a');
  const b = new FakeFileTopology('b');
  a.other = b;
  b.other = a;
  return { a, b };
}

/** A topology with one peer, whose channels are {@link FakeChannel}s. */
export class FakeFileTopology extends TypedEmitter<TopologyEvents> implements FileTopology {
  other!: FakeFileTopology;
  readonly channels: FakeChannel[] = [];
  connected = true;

  constructor(readonly selfId: string) {
    super();
  }

  openDataChannel(participantId: string, label: string): RTCDataChannel | null {
    if (!this.connected || participantId !== this.other.selfId) return null;
    const [mine, theirs] = FakeChannel.pair(label);
    this.channels.push(mine);
    this.other.channels.push(theirs);
    setImmediate(() => {
      this.other.fire('dataChannel', this.selfId, theirs as unknown as RTCDataChannel);
      mine.open();
    });
    return mine as unknown as RTCDataChannel;
  }

  fire<E extends keyof TopologyEvents>(event: E, ...args: TopologyEvents[E]): void {
    this.emit(event, ...args);
  }
}
