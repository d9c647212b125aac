import { z } from 'zod';

/**
 * File transfer: the control messages two browsers exchange, peer to peer, on the
 * RTCDataChannel that carries one transfer. They never pass through the server. Text frames on
 * that channel are these JSON messages; binary frames are the file's bytes, in order.
 */

/** Label prefix of a data channel that carries one file transfer (`file:<id>`). */
export const FILE_CHANNEL_PREFIX = 'file:';
/** Largest control message either side accepts, in bytes. */
export const MAX_FILE_MESSAGE_BYTES = 16 * 1024;
/** Largest file a transfer may announce: 2^53 - 1 bytes (JavaScript's exact integers). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** A transfer id: 8–64 characters from `A–Z a–z 0–9 _ -`, chosen by the sender at random. */
export const TransferIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'invalid transfer id');
/** A SHA-256 digest as 64 lower-case hex digits. */
export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'invalid SHA-256');

/** Why a transfer failed, as one side tells the other. */
export const FILE_FAILURE_REASONS = ['integrity', 'read', 'write', 'protocol', 'too-large'] as const;
/** Why a transfer failed. */
export type FileFailureReason = (typeof FILE_FAILURE_REASONS)[number];

/** Sender → receiver, first message on the channel: what is offered. */
export const FileOfferSchema = z.object({
  type: z.literal('file-offer'),
  id: TransferIdSchema,
  /** The name as the sender's system has it; the receiver sanitises it before saving. */
  name: z.string().min(0).max(1024),
  size: z.number().int().min(0).max(MAX_FILE_SIZE),
  /** MIME type as the sender's browser reports it (may be empty). */
  mime: z.string().max(255),
});
/** Receiver → sender: go ahead. */
export const FileAcceptSchema = z.object({ type: z.literal('file-accept'), id: TransferIdSchema });
/** Receiver → sender: no, thanks. The sender shows "declined". */
export const FileDeclineSchema = z.object({ type: z.literal('file-decline'), id: TransferIdSchema });
/** Receiver → sender: bytes taken in so far (hashed and stored); the sender's flow-control window. */
export const FileAckSchema = z.object({ type: z.literal('file-ack'), id: TransferIdSchema, bytes: z.number().int().min(0).max(MAX_FILE_SIZE) });
/** Either side: the transfer is cancelled by its user. */
export const FileCancelSchema = z.object({ type: z.literal('file-cancel'), id: TransferIdSchema });
/** Sender → receiver, after the last byte: the SHA-256 of everything sent. */
export const FileDoneSchema = z.object({ type: z.literal('file-done'), id: TransferIdSchema, sha256: Sha256HexSchema });
/** Receiver → sender: every byte arrived and the SHA-256 matched. */
export const FileReceivedSchema = z.object({ type: z.literal('file-received'), id: TransferIdSchema });
/** Either side: the transfer failed and why. */
export const FileErrorSchema = z.object({
  type: z.literal('file-error'),
  id: TransferIdSchema,
  reason: z.enum(FILE_FAILURE_REASONS),
  message: z.string().max(500),
});

/** Every file-transfer control message. */
export const FileMessageSchema = z.discriminatedUnion('type', [
  FileOfferSchema,
  FileAcceptSchema,
  FileDeclineSchema,
  FileAckSchema,
  FileCancelSchema,
  FileDoneSchema,
  FileReceivedSchema,
  FileErrorSchema,
]);

/** A file-transfer control message. */
export type FileMessage = z.infer<typeof FileMessageSchema>;
/** A file-transfer control message of one type. */
export type FileMessageOf<T extends FileMessage['type']> = Extract<FileMessage, { type: T }>;
/** The `type` of every file-transfer message, for docs and tests. */
export const FILE_MESSAGE_TYPES = FileMessageSchema.options.map((o) => o.shape.type.value);

/** The outcome of decoding one control frame. */
export type FileDecodeResult = { ok: true; message: FileMessage } | { ok: false; reason: string };

const FILE_TYPES: ReadonlySet<string> = new Set(FILE_MESSAGE_TYPES);

/** Decodes a text frame from a file channel. Never throws. */
export function decodeFileMessage(frame: string): FileDecodeResult {
  // Byte length is at most 3× the UTF-16 length; only measure when it could matter.
  if (frame.length * 3 > MAX_FILE_MESSAGE_BYTES && new TextEncoder().encode(frame).length > MAX_FILE_MESSAGE_BYTES) {
    return { ok: false, reason: `control message exceeds ${MAX_FILE_MESSAGE_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, reason: 'control message is not valid JSON' };
  }
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !FILE_TYPES.has(type)) return { ok: false, reason: 'unknown control message type' };
  const parsed = FileMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `invalid "${type}"${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'does not match schema'}` };
}

/** Serialises a control message. */
export function encodeFileMessage(message: FileMessage): string {
  return JSON.stringify(message);
}
