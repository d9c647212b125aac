import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { ipText, type TransportAddress } from './attributes.js';

/**
 * dgram resolves every destination through dns.lookup, which for an IP literal still costs a
 * nextTick and closures per datagram. Relays only ever send to literal addresses: answer at once.
 */
export function literalLookup(address: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** The relay binds where the client reached us; a v4-mapped local address means IPv4. */
export function relayBase(local: TransportAddress): TransportAddress {
  if (local.family === 6 && local.ip.subarray(0, 10).every((b) => b === 0) && local.ip[10] === 0xff && local.ip[11] === 0xff) {
    return { family: 4, ip: Buffer.from(local.ip.subarray(12)), port: 0 };
  }
  return { ...local, port: 0 };
}

/**
 * Binds a relay UDP socket on `base`'s IP at a random port of the range (even if asked);
 * with `reserveNext` also binds the port after it and hands both back.
 */
export async function bindRelay(
  base: TransportAddress,
  range: { min: number; max: number },
  even: boolean,
  reserveNext: boolean,
): Promise<{ socket: UdpSocket; next: UdpSocket | null } | null> {
  for (let attempt = 0; attempt < 30; attempt++) {
    let port = range.min + Math.floor(Math.random() * (range.max - range.min + 1));
    if (even && port % 2 === 1) port = port - 1 >= range.min ? port - 1 : port + 1;
    if (port > range.max || (reserveNext && port + 1 > range.max)) continue;
    const socket = await bindUdp(base, port);
    if (!socket) continue;
    if (!reserveNext) return { socket, next: null };
    const next = await bindUdp(base, port + 1);
    if (next) return { socket, next };
    socket.close();
  }
  return null;
}

async function bindUdp(base: TransportAddress, port: number): Promise<UdpSocket | null> {
  // Bigger kernel buffers than the 208 KiB default ride out the moments the event loop is busy
  // (the kernel caps them at net.core.rmem_max / wmem_max).
  const socket = createSocket({
    type: base.family === 4 ? 'udp4' : 'udp6',
    ipv6Only: base.family === 6,
    recvBufferSize: 1 << 20,
    sendBufferSize: 1 << 20,
    lookup: literalLookup as never,
  });
  const ok = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind({ address: ipText(base), port, exclusive: true }, () => resolve(true));
  });
  if (ok) return socket;
  try {
    socket.close();
  } catch {
    // never bound
  }
  return null;
}
