import { createSHA256 } from 'hash-wasm';

/**
 * An incremental hash: feed bytes in order, read the digest once. It may work elsewhere (a
 * worker), so it reports how many bytes still wait to be hashed and can be awaited.
 */
export interface IncrementalHash {
  /** Adds bytes, in order. The hash may take the buffer over: do not use `data` afterwards. */
  update(data: Uint8Array<ArrayBuffer>): void;
  /** Bytes handed to {@link update} and not hashed yet. */
  readonly pendingBytes: number;
  /** Resolves once at most `bytes` are pending. */
  drained(bytes: number): Promise<void>;
  /** Lower-case hex digest of everything added. */
  digestHex(): Promise<string>;
  /**
   * Everything added, as one Blob, when the hash was made with {@link HashOptions.keep}; else
   * null. Call after {@link digestHex}.
   */
  kept(): Promise<Blob | null>;
  /** Frees what the hash holds (a worker, kept bytes). Idempotent. */
  close(): void;
}

/** How to make a hash. */
export interface HashOptions {
  /**
   * Also keep the bytes, as a Blob of this MIME type. A receiver without a sink uses it: the
   * hash takes each received buffer over anyway, so it stores them where it hashes them (in a
   * worker, off the page's thread) instead of the page copying every byte twice.
   */
  keep?: { mime: string };
}

/** Makes a fresh incremental hash. Injectable: browsers hash in a worker, tests fake a corrupt digest. */
export type HashFactory = (options?: HashOptions) => Promise<IncrementalHash>;

/**
 * SHA-256 from hash-wasm (WebAssembly) on the calling thread: streaming, unlike SubtleCrypto.
 * Browsers use the same code in a worker (`browser/hash-worker.ts`) so hashing overlaps I/O.
 */
export const sha256: HashFactory = async (options = {}) => {
  const h = await createSHA256();
  h.init();
  let store = options.keep ? new BlobSink(options.keep.mime) : null;
  return {
    update: (d) => {
      h.update(d);
      store?.write(d);
    },
    pendingBytes: 0,
    drained: () => Promise.resolve(),
    digestHex: async () => h.digest('hex'),
    kept: async () => (store ? store.close() : null),
    close: () => {
      store = null;
    },
  };
};

/**
 * Reads a Blob (or File) in blocks with `slice()`, one block read ahead, so reading overlaps
 * sending and at most two blocks are in memory. Never reads the file whole.
 */
export async function* readBlocks(blob: Blob, blockSize: number): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const read = (offset: number): Promise<Uint8Array<ArrayBuffer>> => {
    const p = blob.slice(offset, Math.min(offset + blockSize, blob.size)).arrayBuffer().then((b) => new Uint8Array(b));
    p.catch(() => {}); // awaited below; don't report it as unhandled if the reader is abandoned
    return p;
  };
  let next = blob.size > 0 ? read(0) : null;
  for (let offset = 0; next; offset += blockSize) {
    const block = await next;
    const following = offset + blockSize;
    next = following < blob.size ? read(following) : null;
    if (block.length === 0) throw new Error('the file became shorter while it was read');
    yield block;
  }
}

/** Where a received file goes. Writes are called one at a time, in order. */
export interface FileSink {
  write(chunk: Uint8Array): Promise<void> | void;
  /** Commits the file; returns it when it was kept in memory, else null. */
  close(): Promise<Blob | null>;
  /** Discards everything written. */
  abort(): Promise<void>;
}

/**
 * Keeps a received file in memory as a Blob built from parts: chunks are gathered into Blobs of
 * a few MiB (which the browser may keep outside the page's heap, or on disk), never one giant
 * ArrayBuffer.
 */
export class BlobSink implements FileSink {
  readonly #blobs: Blob[] = [];
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(
    private readonly mime = '',
    private readonly partBytes = 8 * 1024 * 1024,
  ) {}

  write(chunk: Uint8Array): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= this.partBytes) this.#flush();
  }

  async close(): Promise<Blob> {
    this.#flush();
    return new Blob(this.#blobs, { type: this.mime });
  }

  async abort(): Promise<void> {
    this.#blobs.length = 0;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#blobs.push(new Blob(this.#pending as BlobPart[]));
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

/** The subset of FileSystemWritableFileStream a {@link WritableSink} uses. */
export interface WritableFile {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Streams a received file to disk through the File System Access API. The browser writes to a
 * temporary file and only puts it in place on `close()`, which the transfer calls after the
 * SHA-256 matched; `abort()` throws it away. Small chunks are batched into larger writes.
 */
export class WritableSink implements FileSink {
  #batch: Uint8Array<ArrayBuffer>;
  #used = 0;

  constructor(
    private readonly file: WritableFile,
    batchBytes = 4 * 1024 * 1024,
  ) {
    this.#batch = new Uint8Array(batchBytes);
  }

  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.#batch.length - this.#used);
      this.#batch.set(chunk.subarray(offset, offset + n), this.#used);
      this.#used += n;
      offset += n;
      if (this.#used === this.#batch.length) await this.#flush();
    }
  }

  async close(): Promise<null> {
    await this.#flush();
    await this.file.close();
    return null;
  }

  async abort(): Promise<void> {
    this.#used = 0;
    await this.file.abort();
  }

  async #flush(): Promise<void> {
    if (this.#used === 0) return;
    // The writer may keep the buffer until the write completes; hand it over and start a new one.
    const full = this.#batch.subarray(0, this.#used);
    this.#batch = new Uint8Array(this.#batch.length);
    this.#used = 0;
    await this.file.write(full);
  }
}
