/**
 * Reading a property's JSON text straight out of a frame, so that a relayed SDP (4 KB of
 * escaped line breaks) is copied rather than escaped again. Used only on frames that
 * `JSON.parse` has already accepted; anything unusual gives null and the caller serialises.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The JSON text (quotes and escapes as sent) of the top-level string property `key` of the
 * JSON object `frame`, as `JSON.parse` reads it: the last one when the key repeats. Null when
 * the frame is not simple enough to be sure: a value that is not a string, a key written with
 * an escape, or no such key. `frame` must be valid JSON.
 */
export function rawStringProperty(frame: string, key: string): string | null {
  let i = skipSpace(frame, 0);
  if (frame[i] !== '{') return null;
  let found: string | null = null;
  i = skipSpace(frame, i + 1);
  if (frame[i] === '}') return null;
  for (;;) {
    if (frame.charCodeAt(i) !== QUOTE) return null;
    const keyEnd = stringEnd(frame, i);
    const rawKey = frame.slice(i + 1, keyEnd);
    if (rawKey.includes('\\')) return null;
    i = skipSpace(frame, keyEnd + 1);
    if (frame[i] !== ':') return null;
    i = skipSpace(frame, i + 1);
    if (frame.charCodeAt(i) !== QUOTE) return null;
    const valueEnd = stringEnd(frame, i);
    if (rawKey === key) found = frame.slice(i, valueEnd + 1);
    i = skipSpace(frame, valueEnd + 1);
    if (frame[i] === '}') return found;
    if (frame[i] !== ',') return null;
    i = skipSpace(frame, i + 1);
  }
}

/** Index of the quote that closes the string opening at `start` (valid JSON: there is one). */
function stringEnd(text: string, start: number): number {
  for (let k = text.indexOf('"', start + 1); k >= 0; k = text.indexOf('"', k + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(k - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return k;
  }
  return text.length;
}

/** Skips JSON whitespace (space, tab, line feed, carriage return). */
function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}
