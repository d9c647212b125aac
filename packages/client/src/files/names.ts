/** Longest name {@link sanitizeFileName} returns, in UTF-16 code units (file systems allow ~255 bytes). */
export const MAX_SAVED_NAME_LENGTH = 120;

// Windows' reserved device names, with or without an extension.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * A safe name to save a received file under: no directories (`/`, `\`, `..`), no control or
 * bidi-override characters, none of `<>:"|?*`, no leading dots or trailing dots and spaces, not a
 * reserved device name, at most {@link MAX_SAVED_NAME_LENGTH} characters with the extension kept.
 * Never empty: falls back to `file`.
 */
export function sanitizeFileName(name: string): string {
  // Only the last path component counts: "../../x" and "C:\\x\\y" become "x" and "y".
  const base = name.split(/[/\\]/).pop() ?? '';
  let s = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (RESERVED.test(s)) s = `_${s}`;
  if (s.length > MAX_SAVED_NAME_LENGTH) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    s = cutAtCodePoint(s.slice(0, s.length - ext.length), MAX_SAVED_NAME_LENGTH - ext.length) + ext;
  }
  return s || 'file';
}

/** Cuts to at most `max` code units without splitting a surrogate pair. */
function cutAtCodePoint(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
