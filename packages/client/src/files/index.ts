export { FileTransfers, newTransferId, type FileTransfersEvents, type FileTransfersOptions, type FileTopology, type OutgoingFile } from './transfers.js';
export {
  FileTransfer,
  DEFAULT_TUNING,
  isFinal,
  type TransferState,
  type TransferFailure,
  type TransferFailureReason,
  type FileTransferEvents,
  type TransferChannel,
  type TransferTuning,
  type TransferInfo,
} from './transfer.js';
export { OutgoingTransfer } from './outgoing.js';
export { IncomingTransfer } from './incoming.js';
export { BlobSink, WritableSink, readBlocks, sha256, type FileSink, type WritableFile, type IncrementalHash, type HashFactory } from './io.js';
export { ProgressMeter, type TransferProgress } from './progress.js';
export { sanitizeFileName, MAX_SAVED_NAME_LENGTH } from './names.js';
