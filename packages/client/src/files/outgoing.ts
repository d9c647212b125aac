import type { FileMessage } from '@lectern/protocol';
import { readBlocks, type IncrementalHash } from './io.js';
import { FileTransfer, type TransferChannel, type TransferDeps, type TransferInfo } from './transfer.js';

/**
 * Sends one file to one participant: offers it, waits for accept, then reads it in blocks
 * (`File.slice`), hashes while reading, and sends chunks with backpressure: the channel's
 * bufferedAmount never exceeds the high-water mark, and the sender never runs more than a window
 * ahead of the receiver's acknowledgements. The SHA-256 follows the last byte.
 */
export class OutgoingTransfer extends FileTransfer {
  readonly direction = 'send' as const;
  /** The highest bufferedAmount seen right after a send (for tests and the benchmark). */
  maxBufferedAmount = 0;
  #sent = 0;
  #acked = 0;
  #wake: (() => void) | null = null;
  #hash: IncrementalHash | null = null;

  readonly #source: Blob;

  constructor(info: TransferInfo, source: Blob, channel: TransferChannel, deps: TransferDeps) {
    super(info, 'waiting', channel, deps);
    this.#source = source;
    channel.bufferedAmountLowThreshold = deps.tuning.lowWaterBytes;
    channel.onbufferedamountlow = () => this.#wakeUp();
    const offer = () => this.send({ type: 'file-offer', id: this.id, name: this.name, size: this.size, mime: this.mime });
    if (channel.readyState === 'open') offer();
    else channel.onopen = offer;
  }

  protected onControl(m: FileMessage): void {
    switch (m.type) {
      case 'file-accept':
        if (this.state !== 'waiting') return this.fail('protocol', 'unexpected file-accept', false, true);
        this.sm.transition('transferring');
        this.reportProgress(0, true);
        void this.#pump();
        return;
      case 'file-decline':
        if (this.state !== 'waiting') return this.fail('protocol', 'unexpected file-decline', false, true);
        return this.finish('declined');
      case 'file-ack':
        this.#acked = Math.max(this.#acked, Math.min(m.bytes, this.#sent));
        this.#wakeUp();
        return;
      case 'file-cancel':
        this.cancelledBy = 'remote';
        return this.finish('cancelled');
      case 'file-received':
        if (this.state !== 'verifying') return this.fail('protocol', 'unexpected file-received', false, true);
        this.reportProgress(this.size, true);
        return this.finish('complete');
      case 'file-error':
        return this.fail(m.reason, m.message, true, false);
      case 'file-offer':
      case 'file-done':
        return this.fail('protocol', `a receiver does not send ${m.type}`, false, true);
    }
  }

  protected onBytes(): void {
    this.fail('protocol', 'a receiver does not send file data', false, true);
  }

  protected released(): void {
    this.#hash?.close();
    this.#wakeUp();
  }

  async #pump(): Promise<void> {
    const { chunkBytes, blockBytes, highWaterBytes, windowBytes } = this.deps.tuning;
    const ch = this.channel;
    let digest: string;
    try {
      const hash = (this.#hash = await this.deps.hash());
      if (this.final) return hash.close();
      for await (const block of readBlocks(this.#source, blockBytes)) {
        if (this.final) return;
        if (this.#sent + block.length > this.size) throw new Error('the file grew while it was read');
        for (let offset = 0; offset < block.length; offset += chunkBytes) {
          const chunk = block.subarray(offset, Math.min(offset + chunkBytes, block.length));
          // Wait while the chunk would take the buffer past high water, or the receiver is behind.
          while (ch.bufferedAmount + chunk.length > highWaterBytes || this.#sent - this.#acked + chunk.length > windowBytes) {
            await new Promise<void>((resolve) => (this.#wake = resolve));
            if (this.final) return;
            this.reportProgress(this.#sent - ch.bufferedAmount);
          }
          ch.send(chunk);
          this.#sent += chunk.length;
          if (ch.bufferedAmount > this.maxBufferedAmount) this.maxBufferedAmount = ch.bufferedAmount;
        }
        this.reportProgress(this.#sent - ch.bufferedAmount);
        // send() copied the bytes, so the hash may take the block over; keep it from lagging far.
        hash.update(block);
        if (hash.pendingBytes > 4 * blockBytes) await hash.drained(2 * blockBytes);
      }
      if (this.final) return;
      if (this.#sent !== this.size) throw new Error('the file became shorter while it was read');
      digest = await hash.digestHex();
    } catch (err) {
      if (!this.final) this.fail('read', err instanceof Error ? err.message : String(err), false, true);
      return;
    }
    if (this.final) return;
    this.send({ type: 'file-done', id: this.id, sha256: digest });
    this.reportProgress(this.#sent - ch.bufferedAmount, true);
    this.sm.transition('verifying');
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
