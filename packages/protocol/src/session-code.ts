/**
 * Session codes look like `abc-defg-hjk`: ten letters in groups of 3-4-3, from an alphabet
 * without the look-alikes i, l and o. 23^10 ≈ 2^45.2, so a code carries over 45 bits.
 */
export const SESSION_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz';
const GROUPS = [3, 4, 3] as const;
/** Number of letters in a session code. */
export const SESSION_CODE_LETTERS = GROUPS.reduce((a, b) => a + b, 0);
/** Canonical form of a session code. */
export const SESSION_CODE_PATTERN = /^[abcdefghjkmnpqrstuvwxyz]{3}-[abcdefghjkmnpqrstuvwxyz]{4}-[abcdefghjkmnpqrstuvwxyz]{3}$/;

/**
 * Turns what a person typed (any case, spaces, dashes, or a whole link) into the canonical
 * code, or returns null when it cannot be one.
 */
export function normalizeSessionCode(input: string): string | null {
  let text = input.trim().replace(/[?#].*$/, '').replace(/\/+$/, '');
  const slash = text.lastIndexOf('/');
  if (slash >= 0) text = text.slice(slash + 1);
  const letters = text.toLowerCase().replace(/[\s-]/g, '');
  if (letters.length !== SESSION_CODE_LETTERS) return null;
  for (const ch of letters) if (!SESSION_CODE_ALPHABET.includes(ch)) return null;
  return formatLetters(letters);
}

/** True when `code` is in canonical form. */
export function isSessionCode(code: string): boolean {
  return SESSION_CODE_PATTERN.test(code);
}

/**
 * Makes a new code from a source of uniform random integers in [0, n). The caller passes a
 * CSPRNG (the server uses `crypto.randomInt`).
 */
export function generateSessionCode(randomInt: (n: number) => number): string {
  let letters = '';
  for (let i = 0; i < SESSION_CODE_LETTERS; i++) {
    letters += SESSION_CODE_ALPHABET[randomInt(SESSION_CODE_ALPHABET.length)];
  }
  return formatLetters(letters);
}

function formatLetters(letters: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const n of GROUPS) {
    parts.push(letters.slice(at, at + n));
    at += n;
  }
  return parts.join('-');
}
