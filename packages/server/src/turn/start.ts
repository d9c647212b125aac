import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { LecternConfig } from '../config.js';
import type { TlsMaterial } from '../data-dir.js';
import type { TransportAddress } from './attributes.js';
import { TurnServer } from './listeners.js';
import { PeerPolicy } from './peer-policy.js';

/** Starts the built-in relay from the server's config; a port clash becomes a readable error. */
export async function startTurn(
  config: LecternConfig,
  secret: string,
  tls: TlsMaterial | null,
  serverSecret: Buffer,
  log: Logger,
  services: TransportAddress[] = [],
): Promise<TurnServer> {
  const turn = new TurnServer(
    {
      realm: config.turnRealm,
      secret: () => secret,
      nonceKey: createHmac('sha256', serverSecret).update('turn-nonce').digest(),
      policy: new PeerPolicy(config.turnAllowPeer),
      limits: {
        allocationsPerUser: config.turnUserQuota,
        allocationsTotal: config.turnTotalQuota,
        permissionsPerAllocation: config.turnMaxPermissions,
        bytesPerSecond: Math.floor((config.turnBandwidthKbps * 1000) / 8),
        relayPorts: config.turnRelayPorts,
      },
      log,
      services: () => services,
    },
    {
      hosts: config.turnListen ?? [config.host],
      udpPort: config.turnPort,
      tcpPort: config.turnPort,
      tlsPort: tls ? config.turnTlsPort : null,
      tls,
    },
  );
  try {
    await turn.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      const why = e.code === 'EADDRINUSE' ? 'is already in use' : 'needs privileges';
      const wrapped = new Error(`TURN port ${e.port ?? config.turnPort} ${why} (choose others with --turn-port/--turn-tls-port, or --no-turn)`) as NodeJS.ErrnoException;
      wrapped.code = 'TURN_LISTEN';
      throw wrapped;
    }
    throw err;
  }
  log.info({ ports: turn.ports, allowPeers: config.turnAllowPeer }, 'TURN relay listening');
  return turn;
}
