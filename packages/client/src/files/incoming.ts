import type { FileMessage } from '@lectern/protocol';
import type { FileSink, IncrementalHash } from './io.js';
import { sanitizeFileName } from './names.js';
import { FileTransfer, type TransferChannel, type TransferDeps, type TransferInfo } from './transfer.js';

const HASH_BLOCK_BYTES = 1024 * 1024;
const HASH_LAG_BYTES = 8 * 1024 * 1024;

/**
 * Receives one offered file: the user accepts (into memory, or a {@link FileSink} such as a file
 * on disk) or declines. Bytes are hashed as they arrive and stored in order; the file is offered
 * only after the byte count and the sender's SHA-256 both match.
 */
export class IncomingTransfer extends FileTransfer {
  readonly direction = 'receive' as const;
  /** The name to save under: {@link sanitizeFileName} of the sender's name. */
  readonly saveName: string;
  #sink: FileSink | null = null;
  #hash: IncrementalHash | null = null;
  #received = 0;
  #stored = 0;
  #ackedAt = 0;
  #writes: Promise<void> = Promise.resolve();
  #file: Blob | null = null;
  #accepting = false;
  /** Received bytes gathered for the hash, handed over a block at a time. */
  #batch: Uint8Array<ArrayBuffer> | null = null;
  #batchUsed = 0;

  constructor(info: TransferInfo, channel: TransferChannel, deps: TransferDeps) {
    super(info, 'offered', channel, deps);
    this.saveName = sanitizeFileName(info.name);
  }

  /** The verified file, once complete, when it was received into memory; else null. */
  get file(): Blob | null {
    return this.#file;
  }

  /**
   * Accepts the file. Without a sink it is kept in memory (as a Blob from parts, gathered where
   * it is hashed) and offered through {@link file} once verified; with one (e.g. a file on disk)
   * it is streamed there and committed only once verified.
   */
  async accept(sink?: FileSink): Promise<void> {
    if (this.state !== 'offered' || this.#accepting) {
      await sink?.abort();
      return;
    }
    this.#accepting = true;
    this.#sink = sink ?? null;
    try {
      this.#hash = await this.deps.hash(sink ? {} : { keep: { mime: this.mime } });
    } catch (err) {
      this.fail('write', err instanceof Error ? err.message : String(err), false, true);
      return;
    }
    if (this.final) return; // cancelled or dropped while the hash was prepared
    this.sm.transition('transferring');
    this.reportProgress(0, true);
    this.send({ type: 'file-accept', id: this.id });
  }

  /** Declines the offer; the sender is told. */
  decline(): void {
    if (this.state !== 'offered' || this.#accepting) return;
    this.send({ type: 'file-decline', id: this.id });
    this.finish('declined');
  }

  protected onControl(m: FileMessage): void {
    switch (m.type) {
      case 'file-done':
        if (this.state !== 'transferring') return this.fail('protocol', 'unexpected file-done', false, true);
        if (this.#received !== this.size) return this.fail('integrity', `received ${this.#received} of ${this.size} bytes`, false, true);
        this.sm.transition('verifying');
        void this.#verify(m.sha256);
        return;
      case 'file-cancel':
        this.cancelledBy = 'remote';
        return this.finish('cancelled');
      case 'file-error':
        return this.fail(m.reason, m.message, true, false);
      case 'file-offer':
      case 'file-accept':
      case 'file-decline':
      case 'file-ack':
      case 'file-received':
        return this.fail('protocol', `a sender does not send ${m.type} here`, false, true);
    }
  }

  protected onBytes(chunk: Uint8Array): void {
    if (this.state !== 'transferring') return this.fail('protocol', 'file data before accept or after file-done', false, true);
    const length = chunk.length; // read now: the hash may take the buffer over (detach it)
    this.#received += length;
    if (this.#received > this.size) return this.fail('too-large', `more than the announced ${this.size} bytes`, false, true);
    const sink = this.#sink;
    const hash = this.#hash!;
    // In memory, the hash keeps the bytes: each received buffer is handed over whole (no copy).
    // A sink writes them later, so the hash gets copies then.
    if (sink) this.#hashBytes(chunk);
    else hash.update(chunk as Uint8Array<ArrayBuffer>);
    this.#writes = this.#writes.then(async () => {
      if (this.final) return;
      if (sink) await sink.write(chunk);
      // A hash that falls behind holds back acknowledgements, and so the sender.
      if (hash.pendingBytes > HASH_LAG_BYTES) await hash.drained(HASH_LAG_BYTES / 2);
      if (this.final) return;
      this.#stored += length;
      this.reportProgress(this.#stored);
      const { ackEveryBytes } = this.deps.tuning;
      if (this.#stored - this.#ackedAt >= ackEveryBytes) {
        this.#ackedAt = this.#stored;
        this.send({ type: 'file-ack', id: this.id, bytes: this.#stored });
      }
    });
    this.#writes.catch((err: unknown) => this.fail('write', err instanceof Error ? err.message : String(err), false, true));
  }

  protected released(): void {
    if (this.state !== 'complete') void this.#sink?.abort().catch(() => {});
    this.#sink = null;
    this.#hash?.close();
    this.#hash = null;
    this.#batch = null;
  }

  /** Copies received bytes into a block and hands full blocks to the hash (fewer, larger updates). */
  #hashBytes(chunk: Uint8Array, flush = false): void {
    let offset = 0;
    while (offset < chunk.length) {
      this.#batch ??= new Uint8Array(HASH_BLOCK_BYTES);
      const n = Math.min(chunk.length - offset, this.#batch.length - this.#batchUsed);
      this.#batch.set(chunk.subarray(offset, offset + n), this.#batchUsed);
      this.#batchUsed += n;
      offset += n;
      if (this.#batchUsed === this.#batch.length) this.#handBatch();
    }
    if (flush) this.#handBatch();
  }

  #handBatch(): void {
    if (!this.#batch || this.#batchUsed === 0) return;
    const full = this.#batchUsed === this.#batch.length ? this.#batch : this.#batch.slice(0, this.#batchUsed);
    this.#batch = null;
    this.#batchUsed = 0;
    this.#hash!.update(full);
  }

  async #verify(expected: string): Promise<void> {
    try {
      this.#hashBytes(new Uint8Array(0), true);
      const hash = this.#hash!;
      await this.#writes;
      if (this.final) return;
      const actual = await hash.digestHex();
      if (this.final) return;
      if (actual !== expected) return this.fail('integrity', 'SHA-256 does not match', false, true);
      const file = this.#sink ? await this.#sink.close() : await hash.kept();
      if (this.final) return;
      if (!this.#sink && !file) return this.fail('write', 'the received bytes were not kept', false, true);
      this.#file = file;
      this.reportProgress(this.size, true);
      this.send({ type: 'file-received', id: this.id });
      this.finish('complete');
    } catch (err) {
      this.fail('write', err instanceof Error ? err.message : String(err), false, true);
    }
  }
}
