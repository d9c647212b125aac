import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The client's address for per-address limits. Directly connected, the TCP peer; with
 * `trustProxy` (Lectern behind a reverse proxy), the address the proxy appended last to
 * `X-Forwarded-For`. Only the last entry is the proxy's own word: earlier ones are whatever
 * the client sent, so they are never used.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  const last = value?.split(',').pop()?.trim();
  return last && isIP(last) ? last : peer;
}
