import type { ClientMessage, IceServer } from '@lectern/protocol';
import { TypedEmitter } from '../emitter.js';
import type { PeerConnectionFactory } from '../ports.js';
import { PeerLink } from './peer-link.js';
import { summarizeInboundStats } from './stats.js';
import type { InboundSignal, LocalScreenTracks, LocalTracks, RemoteMediaStats, Topology, TopologyEvents, TopologyOptions } from './topology.js';

/** Full mesh: one {@link PeerLink} per remote participant. */
export class MeshTopology extends TypedEmitter<TopologyEvents> implements Topology {
  readonly kind = 'mesh' as const;
  readonly carriesScreens = true;
  readonly #links = new Map<string, PeerLink>();
  #tracks: LocalTracks = { audio: null, video: null };
  #screen: LocalScreenTracks | null = null;
  #closed = false;

  constructor(
    private readonly selfId: string,
    private readonly options: TopologyOptions,
    private readonly factory: PeerConnectionFactory,
    private readonly send: (message: ClientMessage) => void,
  ) {
    super();
  }

  addPeer(participantId: string, initiate: boolean): void {
    if (this.#closed) return;
    this.removePeer(participantId);
    const link = new PeerLink(
      participantId,
      // A fixed rule both sides agree on without talking: the larger id is polite.
      this.selfId > participantId,
      this.factory,
      { iceServers: this.options.iceServers, iceTransportPolicy: this.options.iceTransportPolicy, bundlePolicy: 'max-bundle' },
      this.#tracks,
      {
        send: (m) => this.send(m),
        remoteStream: (s) => this.emit('remoteStream', participantId, s),
        remoteScreen: (s, id) => this.emit('remoteScreen', participantId, s, id),
        connectionState: (s) => this.emit('connectionState', participantId, s),
        error: (e) => this.emit('error', participantId, e),
        dataChannel: (c) => this.emit('dataChannel', participantId, c),
      },
      initiate,
      this.#screen,
    );
    this.#links.set(participantId, link);
  }

  removePeer(participantId: string): void {
    this.#links.get(participantId)?.close();
    this.#links.delete(participantId);
  }

  handleSignal(signal: InboundSignal): void {
    if (signal.dataLink) return; // an SFU session's data connection, not ours
    let link = this.#links.get(signal.from);
    if (!link && signal.type === 'offer') {
      this.addPeer(signal.from, false);
      link = this.#links.get(signal.from);
    }
    link?.handle(signal);
  }

  handleSfuSignal(): void {
    // Mesh sessions do not use the SFU.
  }

  setLocalTracks(tracks: LocalTracks): void {
    this.#tracks = tracks;
    for (const link of this.#links.values()) link.setLocalTracks(tracks);
  }

  setLocalScreen(screen: LocalScreenTracks | null): void {
    this.#screen = screen;
    for (const link of this.#links.values()) link.setLocalScreen(screen);
  }

  setVideoViews(): void {
    // Each peer sends one stream sized for a grid; there is no layer to pick.
  }

  setIceServers(iceServers: IceServer[]): void {
    this.options.iceServers = iceServers;
    for (const link of this.#links.values()) link.setIceServers(iceServers);
  }

  audioLevel(participantId: string): number {
    return this.#links.get(participantId)?.audioLevel() ?? 0;
  }

  openDataChannel(participantId: string, label: string): RTCDataChannel | null {
    return this.#links.get(participantId)?.openDataChannel(label) ?? null;
  }

  async stats(participantId: string): Promise<RemoteMediaStats | null> {
    const link = this.#links.get(participantId);
    if (!link) return null;
    return summarizeInboundStats(await link.pc.getStats(), link.pc.connectionState, link.screenMids());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.removeAllListeners();
  }
}
