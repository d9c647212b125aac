import { hostname, networkInterfaces } from 'node:os';
import { createSocket } from 'node:dgram';

/** One local address the server can be reached on. */
export interface LocalAddress {
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/** Every IPv4 and IPv6 address of this machine (link-local IPv6 left out: browsers can't use them in URLs). */
export function localAddresses(): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80')) continue;
      out.push({ address: a.address, family: a.family, internal: a.internal });
    }
  }
  return out;
}

/** Names the certificate must cover: localhost, the host name and every local address. */
export function certificateNames(): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost']);
  const host = hostname();
  if (host) {
    dns.add(host);
    if (!host.includes('.')) dns.add(`${host}.local`);
  }
  const ips = new Set(['127.0.0.1', '::1']);
  for (const a of localAddresses()) ips.add(a.address);
  return { dns: [...dns], ips: [...ips] };
}

/** Formats a URL host part: IPv6 addresses go in brackets. */
export function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The URLs to print at start, one per reachable address, external ones first. */
export function serverUrls(scheme: 'http' | 'https', host: string, port: number): string[] {
  const wildcard = host === '::' || host === '0.0.0.0';
  if (!wildcard) return [`${scheme}://${urlHost(host)}:${port}/`];
  const addrs = localAddresses()
    .filter((a) => host === '::' || a.family === 'IPv4')
    .sort((a, b) => Number(a.internal) - Number(b.internal) || (a.family === 'IPv4' ? -1 : 1));
  const urls = [`${scheme}://localhost:${port}/`];
  for (const a of addrs) if (!a.internal) urls.push(`${scheme}://${urlHost(a.address)}:${port}/`);
  return urls;
}

/**
 * Binds a UDP socket to `port` on `address` (any address when undefined; 0 picks a free port),
 * closes it, and resolves with the port it got. Rejects (socket closed) when it cannot bind.
 */
function bindUdpOnce(port: number, address?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(address?.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, address, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** Resolves if `port` can be bound on `address` (any address when undefined) right now. */
export async function udpPortUsable(port: number, address?: string): Promise<void> {
  await bindUdpOnce(port, address);
}

/** A UDP port free right now on `address` (any address when undefined). */
export function freeUdpPort(address?: string): Promise<number> {
  return bindUdpOnce(0, address);
}
