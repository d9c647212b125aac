import type { IceServer } from '@lectern/protocol';
import type { IceServerGrant } from '../signaling/service.js';
import { mintCredential } from './credentials.js';
import type { TurnPorts } from './listeners.js';

/** Where the ICE servers handed to clients live. */
export type IceServerSource =
  | { kind: 'builtin'; ports: TurnPorts; secret: string; ttlS: number }
  | { kind: 'external'; urls: string[]; secret: string; ttlS: number }
  | { kind: 'none' };

/**
 * The hostname part of a Host header, as it goes into a TURN URI (`[v6]` keeps its
 * brackets). Null when the header is missing or not a plain host.
 */
export function uriHost(hostHeader: string | null): string | null {
  if (!hostHeader) return null;
  try {
    const url = new URL(`http://${hostHeader}/`);
    if (url.username || url.password || url.pathname !== '/' || url.search) return null;
    return url.hostname || null;
  } catch {
    return null;
  }
}

/**
 * ICE servers for one participant: STUN, then TURN over UDP, TCP and TLS at the host the
 * client reached us by (so a phone on the LAN gets an address it can route to), with a
 * credential minted for this participant alone.
 */
export function iceServersFor(source: IceServerSource, participantId: string, hostHeader: string | null, fallbackHost: string, now = Date.now()): IceServerGrant {
  if (source.kind === 'none') return { iceServers: [], expiresAt: null };
  const cred = mintCredential(source.secret, participantId, source.ttlS, now);
  if (source.kind === 'external') {
    return { iceServers: [{ urls: source.urls, username: cred.username, credential: cred.credential }], expiresAt: cred.expiresAt };
  }
  const host = uriHost(hostHeader) ?? uriHost(fallbackHost.includes(':') && !fallbackHost.startsWith('[') ? `[${fallbackHost}]` : fallbackHost) ?? 'localhost';
  const { udp, tcp, tls } = source.ports;
  const turn: string[] = [];
  if (udp !== null) turn.push(`turn:${host}:${udp}?transport=udp`);
  if (tcp !== null) turn.push(`turn:${host}:${tcp}?transport=tcp`);
  if (tls !== null) turn.push(`turns:${host}:${tls}?transport=tcp`);
  const servers: IceServer[] = [];
  if (udp !== null) servers.push({ urls: `stun:${host}:${udp}` });
  if (turn.length > 0) servers.push({ urls: turn, username: cred.username, credential: cred.credential });
  return { iceServers: servers, expiresAt: cred.expiresAt };
}
