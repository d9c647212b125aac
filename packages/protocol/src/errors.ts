/**
 * The one registry of stable error codes. Wire errors (`error`, `join-error`) and
 * client-side errors ({@link LecternError}) share these strings; the UI maps them to words.
 */
export const ErrorCodes = {
  /** The frame was not valid JSON, or did not match any message schema. */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** The message `type` is not known to this server (ignored; forward compatibility). */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** A frame exceeded the maximum message size. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** The peer speaks a protocol version the other side does not. */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** A message other than `hello` arrived before the handshake. */
  HANDSHAKE_REQUIRED: 'HANDSHAKE_REQUIRED',
  /** No session has this code. */
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  /** The session holds its maximum number of participants. */
  ROOM_FULL: 'ROOM_FULL',
  /** The action needs membership of a session, and the sender has not joined one. */
  NOT_JOINED: 'NOT_JOINED',
  /** The sender is already in a session. */
  ALREADY_JOINED: 'ALREADY_JOINED',
  /** The addressee is not a participant of the sender's session. */
  PARTICIPANT_NOT_FOUND: 'PARTICIPANT_NOT_FOUND',
  /** The session is locked: a host or co-host stopped new joins. */
  ROOM_LOCKED: 'ROOM_LOCKED',
  /** A host or co-host removed this participant from the session; they may not rejoin it. */
  REMOVED: 'REMOVED',
  /** A host or co-host turned this joiner away from the lobby. */
  LOBBY_DENIED: 'LOBBY_DENIED',
  /** The sender may not do this (for example a participant using a host control). */
  NOT_ALLOWED: 'NOT_ALLOWED',
  /** The server cannot take more sessions or connections right now. */
  SERVER_BUSY: 'SERVER_BUSY',
  /** Too many messages in too short a time. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A chat message is longer than the limit (`MAX_CHAT_CHARS`). */
  CHAT_TOO_LONG: 'CHAT_TOO_LONG',
  /** The session has a password and the join carried none. */
  PASSWORD_REQUIRED: 'PASSWORD_REQUIRED',
  /** The session password was wrong (failed attempts count towards the join rate limit). */
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  /** A join token was given but this server accepts none (no JWT key is configured). */
  TOKEN_NOT_ACCEPTED: 'TOKEN_NOT_ACCEPTED',
  /** The join token is not a well-formed JWT, or lacks a required claim. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** The join token is signed with an algorithm this server does not accept (`none`, or one its keys are not for). */
  TOKEN_ALG_NOT_ALLOWED: 'TOKEN_ALG_NOT_ALLOWED',
  /** The join token's signature does not verify against the configured key. */
  TOKEN_BAD_SIGNATURE: 'TOKEN_BAD_SIGNATURE',
  /** The join token has expired (`exp`). */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The join token is not valid yet (`nbf`). */
  TOKEN_NOT_YET_VALID: 'TOKEN_NOT_YET_VALID',
  /** The join token was issued for another session (`room`). */
  TOKEN_WRONG_ROOM: 'TOKEN_WRONG_ROOM',
  /** The join token was issued for another server (`aud`). */
  TOKEN_WRONG_AUDIENCE: 'TOKEN_WRONG_AUDIENCE',
  /** The host key given for a class room is wrong. */
  WRONG_HOST_KEY: 'WRONG_HOST_KEY',
  /** The server failed while handling the message; it is logged. */
  INTERNAL: 'INTERNAL',
  /** Client: a signaling request got no answer in time. */
  SIGNAL_TIMEOUT: 'SIGNAL_TIMEOUT',
  /** Client: the server cannot be reached. */
  SERVER_UNREACHABLE: 'SERVER_UNREACHABLE',
  /** Client: the browser lacks WebRTC, WebSocket or media device support. */
  UNSUPPORTED_BROWSER: 'UNSUPPORTED_BROWSER',
  /** Client: the page is not a secure context, so the camera cannot open. */
  INSECURE_CONTEXT: 'INSECURE_CONTEXT',
  /** Client: the user or the system denied camera and microphone. */
  MEDIA_DENIED: 'MEDIA_DENIED',
  /** Client: no camera or microphone was found. */
  MEDIA_NOT_FOUND: 'MEDIA_NOT_FOUND',
  /** Client: the typed session code is not well-formed. */
  INVALID_CODE: 'INVALID_CODE',
  /** Client: the operation is not valid in the current state. */
  INVALID_STATE: 'INVALID_STATE',
  /** Client: screen sharing was cancelled in the picker, or blocked by the user or the system. */
  SCREEN_SHARE_DENIED: 'SCREEN_SHARE_DENIED',
  /** Client: this browser cannot share its screen (most phones and tablets). */
  SCREEN_SHARE_UNSUPPORTED: 'SCREEN_SHARE_UNSUPPORTED',
  /** Client: the screen could not be captured (the system refused or the source went away). */
  SCREEN_SHARE_FAILED: 'SCREEN_SHARE_FAILED',
} as const;

/** A stable error code. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Every error code, for schemas and exhaustive UI tables. */
export const ERROR_CODES = Object.values(ErrorCodes) as [ErrorCode, ...ErrorCode[]];

/** Returns true when `value` is one of the registered codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** An error with a stable {@link ErrorCode}; thrown by the SDK and mirrored on the wire. */
export class LecternError extends Error {
  /** The stable code; branch on this, never on the message. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LecternError';
    this.code = code;
  }
}
