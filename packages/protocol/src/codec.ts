import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from './errors.js';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessageSchema,
  SERVER_MESSAGE_TYPES,
  ServerMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from './messages.js';
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from './version.js';
import { rawStringProperty } from './codec-raw.js';

/** The outcome of decoding one frame: a typed message, or a stable code and a reason. */
export type DecodeResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; message: string; type?: string };

/**
 * The SDP of the offer or answer decoded last, with its JSON text as it came: relaying it
 * (decode, stamp `from`, encode, all in one go) then copies that text instead of escaping the
 * whole SDP again. Used only for an equal string, so any other message is unaffected.
 */
let lastSdp: { value: string; json: string } | null = null;

/** Decodes a frame sent by a client. Never throws. */
export function decodeClientMessage(frame: string): DecodeResult<ClientMessage> {
  const result = decodeWith(ClientMessageSchema, CLIENT_TYPES, frame);
  if (result.ok && (result.message.type === 'offer' || result.message.type === 'answer')) {
    const json = rawStringProperty(frame, 'sdp');
    lastSdp = json === null ? null : { value: result.message.sdp, json };
  }
  return result;
}

/** Decodes a frame sent by the server. Never throws. */
export function decodeServerMessage(frame: string): DecodeResult<ServerMessage> {
  return decodeWith(ServerMessageSchema, SERVER_TYPES, frame);
}

/** Serialises a message for the wire. */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  // A relayed offer or answer ({type, from, sdp} and nothing else) of the SDP just decoded.
  if ((message.type === 'offer' || message.type === 'answer') && 'from' in message && lastSdp !== null && lastSdp.value === message.sdp && Object.keys(message).length === 3) {
    return `{"type":"${message.type}","from":${JSON.stringify(message.from)},"sdp":${lastSdp.json}}`;
  }
  return JSON.stringify(message);
}

// Zod compiles a fast parser per schema on first use (via new Function), which costs
// milliseconds on the first message of each type, during call setup, and is refused
// under a strict Content-Security-Policy. Messages are small; the interpreter is plenty.
z.config({ jitless: true });

/**
 * Builds the validators' lazy internals ahead of time (about 8 ms on first use), so the first
 * real message of a call does not pay for it. Call it when idle, e.g. at page load.
 */
export function warmUpCodec(): void {
  for (const type of CLIENT_MESSAGE_TYPES) ClientMessageSchema.safeParse({ type });
  for (const type of SERVER_MESSAGE_TYPES) ServerMessageSchema.safeParse({ type });
}

const CLIENT_TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);
const SERVER_TYPES: ReadonlySet<string> = new Set(SERVER_MESSAGE_TYPES);

function decodeWith<T>(schema: z.ZodType<T>, types: ReadonlySet<string>, frame: string): DecodeResult<T> {
  // A UTF-16 unit is at most 3 bytes of UTF-8: only long strings need counting.
  if (frame.length > MAX_MESSAGE_BYTES || (frame.length * 3 > MAX_MESSAGE_BYTES && byteLength(frame) > MAX_MESSAGE_BYTES)) {
    return { ok: false, code: ErrorCodes.MESSAGE_TOO_LARGE, message: `message exceeds ${MAX_MESSAGE_BYTES} bytes` };
  }
  if (nestedDeeperThan(frame, MAX_JSON_DEPTH)) {
    return { ok: false, code: ErrorCodes.BAD_MESSAGE, message: `message nests deeper than ${MAX_JSON_DEPTH} levels` };
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, code: ErrorCodes.BAD_MESSAGE, message: 'message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: ErrorCodes.BAD_MESSAGE, message: 'message must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, code: ErrorCodes.BAD_MESSAGE, message: 'message has no string "type"' };
  }
  if (!types.has(type)) {
    return { ok: false, code: ErrorCodes.UNKNOWN_TYPE, message: `unknown message type "${type.slice(0, 64)}"`, type: type.slice(0, 64) };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return {
    ok: false,
    code: ErrorCodes.BAD_MESSAGE,
    message: `invalid "${type}" message${where}: ${issue?.message ?? 'does not match schema'}`,
    type,
  };
}

const encoder = new TextEncoder();
function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/**
 * True when the JSON text opens more than `max` arrays or objects inside one another. Counting
 * the brackets (a native search) settles it for real messages; only a frame with many
 * brackets is scanned, skipping those inside strings.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  let brackets = 0;
  for (const ch of ['{', '[']) {
    for (let i = text.indexOf(ch); i >= 0 && brackets <= max; i = text.indexOf(ch, i + 1)) brackets++;
  }
  if (brackets <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
