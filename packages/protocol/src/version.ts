/** The protocol version carried in `hello` and `welcome`. Bump on breaking wire changes. */
export const PROTOCOL_VERSION = 1;

/** Largest WebSocket frame either side accepts, in bytes (64 KiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
