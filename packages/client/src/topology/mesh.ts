import type { ClientMessage, IceServer } from '@lectern/protocol';
import { TypedEmitter } from '../emitter.js';
import { systemClock, type Clock, type PeerConnectionFactory } from '../ports.js';
import { PeerLink } from './peer-link.js';
import type { PreparedConnection } from './prepared-offer.js';
import { summarizeInboundStats } from './stats.js';
import type { InboundSignal, LocalScreenTracks, LocalTracks, RemoteMediaStats, Topology, TopologyEvents, TopologyOptions } from './topology.js';

/**
 * How long after our own offers (joining a session with people in it), or after a newcomer took
 * the spare connection, the next spare is made: long enough for the call setup under way to
 * finish first. Joining an empty session, it is made at once.
 */
export const SPARE_DELAY_MS = 1500;

/** The configuration of every mesh connection (a prepared one too, so that it fits). */
export function meshPeerConfig(options: Pick<TopologyOptions, 'iceServers' | 'iceTransportPolicy'>): RTCConfiguration {
  return { iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy, bundlePolicy: 'max-bundle' };
}

/** Full mesh: one {@link PeerLink} per remote participant. */
export class MeshTopology extends TypedEmitter<TopologyEvents> implements Topology {
  readonly kind = 'mesh' as const;
  readonly carriesScreens = true;
  readonly #links = new Map<string, PeerLink>();
  #tracks: LocalTracks = { audio: null, video: null };
  #screen: LocalScreenTracks | null = null;
  #closed = false;
  /** A connection gathering ICE candidates ahead of the next newcomer's offer (see {@link SPARE_DELAY_MS}). */
  #spare: RTCPeerConnection | null = null;
  #spareTimer: unknown = null;

  constructor(
    private readonly selfId: string,
    private readonly options: TopologyOptions,
    private readonly factory: PeerConnectionFactory,
    private readonly send: (message: ClientMessage) => void,
    private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'> = systemClock,
  ) {
    super();
    // At once, unless we offer to someone straight away (see addPeer).
    this.#spareLater(0);
  }

  addPeer(participantId: string, initiate: boolean, prepared: PreparedConnection | null = null): void {
    if (this.#closed) return;
    this.removePeer(participantId);
    if (initiate && this.#spareTimer !== null) {
      // Our own call setup starts now; the spare waits until it is done.
      this.clock.clearTimeout(this.#spareTimer);
      this.#spareTimer = null;
      this.#spareLater();
    }
    // A newcomer's offer is answered on the spare: its candidates are gathered already.
    const spare = initiate || prepared ? null : this.#takeSpare();
    const link = new PeerLink(
      participantId,
      // A fixed rule both sides agree on without talking: the larger id is polite.
      this.selfId > participantId,
      spare ? () => spare : this.factory,
      meshPeerConfig(this.options),
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
      prepared,
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
    this.#dropSpare();
    this.#spareLater();
    for (const link of this.#links.values()) link.setIceServers(iceServers);
  }

  audioLevel(participantId: string): number {
    return this.#links.get(participantId)?.audioLevel() ?? 0;
  }

  openDataChannel(participantId: string, label: string): RTCDataChannel | null {
    return this.#links.get(participantId)?.openDataChannel(label) ?? null;
  }

  #takeSpare(): RTCPeerConnection | null {
    const spare = this.#spare;
    this.#spare = null;
    this.#spareLater();
    return spare;
  }

  /** Makes the next spare a while from now, so that its gathering stays out of the call setup now under way. */
  #spareLater(delayMs = SPARE_DELAY_MS): void {
    if (this.#closed || this.#spare || this.#spareTimer !== null) return;
    this.#spareTimer = this.clock.setTimeout(() => {
      this.#spareTimer = null;
      if (this.#closed || this.#spare) return;
      // The pool makes the browser gather now, before any description exists.
      this.#spare = this.factory({ ...meshPeerConfig(this.options), iceCandidatePoolSize: 1 });
    }, delayMs);
  }

  #dropSpare(): void {
    if (this.#spareTimer !== null) this.clock.clearTimeout(this.#spareTimer);
    this.#spareTimer = null;
    this.#spare?.close();
    this.#spare = null;
  }

  async stats(participantId: string): Promise<RemoteMediaStats | null> {
    const link = this.#links.get(participantId);
    if (!link) return null;
    return summarizeInboundStats(await link.pc.getStats(), link.pc.connectionState, link.screenMids());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropSpare();
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.removeAllListeners();
  }
}
