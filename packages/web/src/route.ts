import { normalizeSessionCode } from '@lectern/client';

/** The page's address says which session, if any: `/abc-defg-hjk`. */
export function codeFromLocation(): string | null {
  const path = decodeURIComponent(location.pathname.replace(/^\/+|\/+$/g, ''));
  return path ? normalizeSessionCode(path) : null;
}

/** The shareable link of a session. */
export function sessionLink(code: string): string {
  return `${location.origin}/${code}`;
}

/** Changes the address without reloading; `hash` (e.g. `#host=…`) rides along when given. */
export function navigate(code: string | null, hash = ''): void {
  const path = code ? `/${code}` : '/';
  if (location.pathname !== path || (hash && location.hash !== hash)) history.pushState(null, '', `${path}${hash}`);
}

const NAME_KEY = 'lectern.name';
/** The last display name used in this browser. */
export function rememberedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}
export function rememberName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // private mode: nothing to remember with
  }
}
