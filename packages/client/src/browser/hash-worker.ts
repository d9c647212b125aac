/**
 * A worker that computes one SHA-256 (hash-wasm) from buffers posted in order, so a file
 * transfer hashes on another core while the page's thread moves bytes. Messages in:
 * `{ op: 'keep', mime }` (first, optional: also keep the bytes), `{ op: 'update', bufs }`
 * (transferred, in order) and `{ op: 'digest' }`. Messages out: `{ op: 'hashed', bytes }` after each
 * update and `{ op: 'digest', hex, blob }` (`blob`: the kept bytes, or null).
 */
import { createSHA256 } from 'hash-wasm';

type In = { op: 'keep'; mime: string } | { op: 'update'; bufs: ArrayBuffer[] } | { op: 'digest' };
interface WorkerScope {
  onmessage: ((e: { data: In }) => void) | null;
  postMessage(message: unknown): void;
}

/** Kept bytes are gathered into Blobs of this size, which the browser may hold outside the heap. */
const PART_BYTES = 8 * 1024 * 1024;

const scope = self as unknown as WorkerScope;
const ready = createSHA256().then((h) => {
  h.init();
  return h;
});
let keep: { mime: string; parts: Blob[]; pending: ArrayBuffer[]; pendingBytes: number } | null = null;

function flush(): void {
  if (!keep || keep.pending.length === 0) return;
  keep.parts.push(new Blob(keep.pending));
  keep.pending = [];
  keep.pendingBytes = 0;
}

scope.onmessage = ({ data }) => {
  // Handlers resume in arrival order once the hash is ready, so updates stay in order.
  void ready.then((h) => {
    switch (data.op) {
      case 'keep':
        keep = { mime: data.mime, parts: [], pending: [], pendingBytes: 0 };
        return;
      case 'update': {
        let bytes = 0;
        for (const buf of data.bufs) {
          h.update(new Uint8Array(buf));
          bytes += buf.byteLength;
          if (keep) {
            keep.pending.push(buf);
            keep.pendingBytes += buf.byteLength;
            if (keep.pendingBytes >= PART_BYTES) flush();
          }
        }
        scope.postMessage({ op: 'hashed', bytes });
        return;
      }
      case 'digest':
        flush();
        scope.postMessage({ op: 'digest', hex: h.digest('hex'), blob: keep ? new Blob(keep.parts, { type: keep.mime }) : null });
        keep = null;
        return;
    }
  });
};
