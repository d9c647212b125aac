/** The protocol version carried in `hello` and `welcome`. Bump on breaking wire changes. */
export const PROTOCOL_VERSION = 1;

/** Largest WebSocket frame either side accepts, in bytes (64 KiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Deepest nesting of arrays and objects a message may have. Real messages nest three levels;
 * the limit stops a 64 KiB frame of brackets from costing the parser milliseconds.
 */
export const MAX_JSON_DEPTH = 16;
