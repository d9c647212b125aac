/**
 * A worker that computes one SHA-256 (hash-wasm) from buffers posted in order, so a file
 * transfer hashes on another core while the page's thread moves bytes. Messages in:
 * `{ op: 'update', buf: ArrayBuffer }` (transferred) and `{ op: 'digest' }`. Messages out:
 * `{ op: 'hashed', bytes }` after each update and `{ op: 'digest', hex }`.
 */
import { createSHA256 } from 'hash-wasm';

type In = { op: 'update'; buf: ArrayBuffer } | { op: 'digest' };
interface WorkerScope {
  onmessage: ((e: { data: In }) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as WorkerScope;
const ready = createSHA256().then((h) => {
  h.init();
  return h;
});
scope.onmessage = ({ data }) => {
  // Handlers resume in arrival order once the hash is ready, so updates stay in order.
  void ready.then((h) => {
    if (data.op === 'update') {
      h.update(new Uint8Array(data.buf));
      scope.postMessage({ op: 'hashed', bytes: data.buf.byteLength });
    } else {
      scope.postMessage({ op: 'digest', hex: h.digest('hex') });
    }
  });
};
