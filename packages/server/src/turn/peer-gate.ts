import { ipText, type TransportAddress } from './attributes.js';
import type { PeerPolicy } from './peer-policy.js';

/** What an allocation may do with a peer: relay to it, reach only its relay ports, or nothing. */
export type PeerAccess = 'allowed' | 'relays-only' | 'denied';

/**
 * Decides, per peer, between the address policy and this server's own addresses. A denied
 * address that is another relay of this very server is reachable, but only at relay ports (so
 * two relay-only browsers on a LAN server can meet without opening its other ports). The
 * server's own public address is public, yet its other services (this listener, the web
 * server) are no peers either, unless an operator allow-listed it.
 */
export class PeerGate {
  constructor(
    private readonly policy: PeerPolicy,
    private readonly localAddresses: () => Iterable<TransportAddress>,
    private readonly relays: () => Iterable<TransportAddress>,
  ) {}

  /** `portKnown`: ChannelBind names the port; CreatePermission is for the whole IP. */
  access(peer: TransportAddress, portKnown: boolean): PeerAccess {
    const verdict = this.policy.check(peer.ip);
    const ip = ipText(peer);
    if (verdict.allowed && (verdict.explicit || !this.#isOwn(ip))) return 'allowed';
    for (const relay of this.relays()) {
      if (ipText(relay) === ip && (!portKnown || relay.port === peer.port)) return 'relays-only';
    }
    return 'denied';
  }

  /** Why a peer is refused, for the debug log. */
  reason(peer: TransportAddress): string {
    const verdict = this.policy.check(peer.ip);
    return verdict.allowed ? "the server's own address" : verdict.reason;
  }

  #isOwn(ip: string): boolean {
    for (const a of this.localAddresses()) if (ipText(a) === ip) return true;
    for (const a of this.relays()) if (ipText(a) === ip) return true;
    return false;
  }
}
