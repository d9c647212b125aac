import { sha256, type HashFactory, type IncrementalHash } from '../files/io.js';

/** Small buffers (received chunks) are queued and posted together once this many bytes wait. */
const POST_BYTES = 1024 * 1024;

type Out = { op: 'hashed'; bytes: number } | { op: 'digest'; hex: string; blob: Blob | null };

/**
 * SHA-256 in a dedicated worker (one per transfer): `update()` transfers the buffer to the
 * worker, so hashing runs beside sending or receiving instead of after it. Falls back to hashing
 * on the page's thread where workers cannot start (e.g. a strict Content-Security-Policy).
 */
export const workerSha256: HashFactory = async (options = {}) => {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./hash-worker.js', import.meta.url), { type: 'module' });
  } catch {
    return sha256(options);
  }
  if (options.keep) worker.postMessage({ op: 'keep', mime: options.keep.mime });
  return new WorkerHash(worker);
};

class WorkerHash implements IncrementalHash {
  pendingBytes = 0;
  #waiters: Array<{ bytes: number; resolve: () => void }> = [];
  #digest: { resolve: (hex: string) => void; reject: (e: Error) => void } | null = null;
  #failed: Error | null = null;
  #closed = false;
  #kept: Blob | null = null;
  #queue: ArrayBuffer[] = [];
  #queued = 0;

  constructor(private readonly worker: Worker) {
    worker.onmessage = ({ data }: MessageEvent<Out>) => {
      if (data.op === 'hashed') {
        this.pendingBytes -= data.bytes;
        this.#wake();
      } else {
        this.#kept = data.blob;
        this.#digest?.resolve(data.hex);
        this.close();
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#failed = new Error(`hash worker failed: ${e.message}`);
      this.#digest?.reject(this.#failed);
      this.close();
    };
  }

  update(data: Uint8Array<ArrayBuffer>): void {
    if (this.#closed) return;
    // Whole buffers are transferred (no copy); a view into a larger buffer is copied first.
    const buf = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
    this.pendingBytes += buf.byteLength;
    this.#queue.push(buf);
    this.#queued += buf.byteLength;
    if (this.#queued >= POST_BYTES) this.#post();
  }

  drained(bytes: number): Promise<void> {
    this.#post();
    if (this.pendingBytes <= bytes || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }));
  }

  digestHex(): Promise<string> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new Error('hash closed'));
    return new Promise((resolve, reject) => {
      this.#digest = { resolve, reject };
      this.#post();
      this.worker.postMessage({ op: 'digest' });
    });
  }

  kept(): Promise<Blob | null> {
    return Promise.resolve(this.#kept);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.worker.terminate();
    this.#wake(true);
  }

  /** Hands the queued buffers to the worker in one message (one per chunk costs the page more). */
  #post(): void {
    if (this.#queue.length === 0 || this.#closed) return;
    const bufs = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    this.worker.postMessage({ op: 'update', bufs }, bufs);
  }

  #wake(all = false): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!all && this.pendingBytes > w.bytes) return true;
      w.resolve();
      return false;
    });
  }
}
