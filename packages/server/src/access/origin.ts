/** Who may open a WebSocket, judged by the upgrade request's `Origin`. */
export interface OriginPolicy {
  /** Extra allowed origins (`https://lms.example.edu`), or `*` for any. */
  allowed: readonly string[];
  /** The server's public URL, whose origin is its own. */
  publicUrl: string | null;
}

/**
 * Whether an upgrade request may become a WebSocket. Browsers always send `Origin` on a
 * WebSocket handshake, so cross-site WebSocket hijacking is stopped by checking it: the
 * server's own origin (the one the request's `Host` names, or `--public-url`) and the
 * configured extra origins pass; anything else, including `null` (sandboxed frames, files),
 * does not. A request with no `Origin` at all comes from a program, not a browser page
 * (a browser cannot omit it), so it carries no ambient credentials to hijack and passes.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined) return true;
  if (policy.allowed.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (host !== undefined && sameHost(url, host)) return true;
  const own = policy.publicUrl === null ? [] : [policy.publicUrl];
  return [...own, ...policy.allowed].some((allowed) => originOf(allowed) === url.origin);
}

/** The origin of a configured URL, or null when it is not one. */
export function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** The page came from this very host and port: the `Host` the browser connected to. */
function sameHost(origin: URL, host: string): boolean {
  let requested: URL;
  try {
    requested = new URL(`${origin.protocol}//${host}`);
  } catch {
    return false;
  }
  return requested.host === origin.host;
}
