import type { ClientMessageOf, ServerMessageOf } from '@lectern/protocol';

/** What a joiner may present besides the session code. */
export interface JoinCredentials {
  /** The session's password, when it has one. */
  password?: string;
  /** A join token (JWT) from a learning platform: names the person, may make them host. */
  token?: string;
  /** A host key: the `#host=` part of a class room's host link. */
  hostKey?: string;
}

/** Settings of a new class room. */
export type ClassRoomSettings = Omit<ClientMessageOf<'create-class-room'>, 'type'>;

/** A class room the server stored: its stable code (student link) and, this once, its host key. */
export type ClassRoomInfo = Omit<ServerMessageOf<'class-room-created'>, 'type'>;

/** The student link of a class room (or any session) on the server at `origin`. */
export function studentLink(origin: string, code: string): string {
  return `${origin}/${code}`;
}

/** The host link of a class room: the host key rides in the fragment, which browsers never send to servers. */
export function hostLink(origin: string, code: string, hostKey: string): string {
  return `${origin}/${code}#host=${encodeURIComponent(hostKey)}`;
}

/**
 * Credentials a link carries: `#host=<key>` (a class room's host link) and `#token=<jwt>` or
 * `?token=<jwt>` (an LMS launch). The fragment is preferred: it stays out of server logs and
 * Referer headers.
 */
export function credentialsFromLink(url: { hash: string; search: string }): JoinCredentials {
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  const query = new URLSearchParams(url.search);
  const out: JoinCredentials = {};
  const host = fragment.get('host');
  const token = fragment.get('token') ?? query.get('token');
  if (host) out.hostKey = host;
  if (token) out.token = token;
  return out;
}

/**
 * The `name` claim of a join token, read without verifying it: only to fill in the name field
 * before joining. The server verifies the token and sets the name itself.
 */
export function tokenName(token: string): string | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const name: unknown = (JSON.parse(new TextDecoder().decode(bytes)) as { name?: unknown }).name;
    return typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 64) : null;
  } catch {
    return null;
  }
}
