import type { ClientMessage, DataLinkEnd, IceCandidate } from '@lectern/protocol';
import type { PeerConnectionFactory } from '../ports.js';
import type { InboundSignal } from './topology.js';
import { swapIceServers } from './ice-servers.js';

/** A data-only connection with no channel left open closes after this long. */
export const DATA_LINK_IDLE_MS = 30_000;

/** What a {@link DataLink} needs from its owner. */
export interface DataLinkHost {
  send(message: ClientMessage): void;
  /** The remote side opened a channel on this link. */
  dataChannel(channel: RTCDataChannel): void;
  /** The link closed (idle, failed, or closed by the owner); forget it. */
  closed(link: DataLink): void;
  error(error: Error): void;
}

/**
 * An on-demand peer-to-peer RTCPeerConnection that carries only data channels (file transfer
 * when media goes through the SFU). The `opener` end creates it for its first channel and
 * offers; the remote `acceptor` end answers. Its signals travel over the ordinary relay,
 * marked with `dataLink` (the sender's end), so they never mix with mesh negotiation. It uses
 * the session's ICE servers (TURN included), and closes itself once no channel has been open
 * for {@link DATA_LINK_IDLE_MS}, or when its connection fails.
 */
export class DataLink {
  readonly pc: RTCPeerConnection;
  readonly #channels = new Set<RTCDataChannel>();
  #queue: Promise<void> = Promise.resolve();
  #offered = false;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(
    readonly remoteId: string,
    readonly end: DataLinkEnd,
    factory: PeerConnectionFactory,
    config: RTCConfiguration,
    private readonly host: DataLinkHost,
    private readonly idleMs = DATA_LINK_IDLE_MS,
  ) {
    this.pc = factory(config);
    this.pc.onicecandidate = ({ candidate }) => {
      this.host.send({ type: 'ice-candidate', to: remoteId, candidate: candidate ? (candidate.toJSON() as IceCandidate) : null, dataLink: end });
    };
    this.pc.ondatachannel = ({ channel }) => {
      this.#track(channel);
      this.host.dataChannel(channel);
    };
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state === 'failed' || state === 'closed') this.close();
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Opens a reliable, ordered channel to the remote participant. On the opener, the first one
   * starts the offer; later ones open on the SCTP association without renegotiating.
   */
  open(label: string): RTCDataChannel {
    if (this.#closed) throw new Error('the data connection is closed');
    const channel = this.pc.createDataChannel(label, { ordered: true });
    this.#track(channel);
    if (this.end === 'opener' && !this.#offered) {
      this.#offered = true;
      this.#serially(async () => {
        await this.pc.setLocalDescription();
        this.host.send({ type: 'offer', to: this.remoteId, sdp: this.pc.localDescription!.sdp, dataLink: 'opener' });
      });
    }
    return channel;
  }

  /** Handles a signal from the remote end of this link, in arrival order. */
  handle(signal: InboundSignal): void {
    this.#serially(async () => {
      if (this.#closed) return;
      switch (signal.type) {
        case 'offer':
          await this.pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
          await this.pc.setLocalDescription();
          this.host.send({ type: 'answer', to: this.remoteId, sdp: this.pc.localDescription!.sdp, dataLink: 'acceptor' });
          return;
        case 'answer':
          await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
          return;
        case 'ice-candidate':
          await this.pc.addIceCandidate(signal.candidate ?? undefined).catch(() => {});
          return;
      }
    });
  }

  /** Swaps in new ICE servers (fresh TURN credentials) for future gathering, e.g. an ICE restart. */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (!this.#closed) swapIceServers(this.pc, iceServers);
  }

  /** Closes the connection and every channel on it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.pc.onicecandidate = null;
    this.pc.ondatachannel = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.#channels.clear();
    this.host.closed(this);
  }

  /** Counts a channel as open until it closes; the link idles out when none is left. */
  #track(channel: RTCDataChannel): void {
    this.#channels.add(channel);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    channel.addEventListener('close', () => {
      this.#channels.delete(channel);
      if (this.#channels.size > 0 || this.#closed || this.#idleTimer) return;
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = null;
        if (this.#channels.size === 0) this.close();
      }, this.idleMs);
    });
  }

  #serially(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(step).catch((err: unknown) => this.host.error(err instanceof Error ? err : new Error(String(err))));
  }
}

/**
 * The data-only links of one client, at most two per remote participant: the one this side
 * opened, and the one the remote opened (so two people sending each other files at once never
 * collide in negotiation).
 */
export class DataLinks {
  readonly #links = new Map<string, DataLink>();
  #closed = false;

  constructor(
    private readonly factory: PeerConnectionFactory,
    private readonly config: () => RTCConfiguration,
    private readonly host: Omit<DataLinkHost, 'closed' | 'dataChannel'> & { dataChannel(participantId: string, channel: RTCDataChannel): void },
    private readonly idleMs = DATA_LINK_IDLE_MS,
  ) {}

  /** Opens a channel to a participant, on this side's link to them (created on demand). */
  open(participantId: string, label: string): RTCDataChannel | null {
    if (this.#closed) return null;
    const link = this.#links.get(key(participantId, 'opener')) ?? this.#create(participantId, 'opener');
    return link.open(label);
  }

  /** Handles a relayed signal marked `dataLink`; an offer (re)creates the accepting link. */
  handle(signal: InboundSignal): void {
    if (this.#closed || !signal.dataLink) return;
    // The sender's end says which of our links it is for: the opener talks to our acceptor.
    const mine: DataLinkEnd = signal.dataLink === 'opener' ? 'acceptor' : 'opener';
    let link = this.#links.get(key(signal.from, mine));
    if (mine === 'acceptor' && signal.type === 'offer') {
      link?.close();
      link = this.#create(signal.from, 'acceptor');
    }
    link?.handle(signal);
  }

  /** Drops the links to a participant (they left). */
  remove(participantId: string): void {
    for (const end of ['opener', 'acceptor'] as const) this.#links.get(key(participantId, end))?.close();
  }

  setIceServers(iceServers: RTCIceServer[]): void {
    for (const link of this.#links.values()) link.setIceServers(iceServers);
  }

  /** Number of open links (for tests). */
  get size(): number {
    return this.#links.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of [...this.#links.values()]) link.close();
  }

  #create(participantId: string, end: DataLinkEnd): DataLink {
    const k = key(participantId, end);
    const link = new DataLink(participantId, end, this.factory, this.config(), {
      send: (m) => this.host.send(m),
      dataChannel: (c) => this.host.dataChannel(participantId, c),
      error: (e) => this.host.error(e),
      closed: (l) => {
        if (this.#links.get(k) === l) this.#links.delete(k);
      },
    }, this.idleMs);
    this.#links.set(k, link);
    return link;
  }
}

function key(participantId: string, end: DataLinkEnd): string {
  return `${end}:${participantId}`;
}
