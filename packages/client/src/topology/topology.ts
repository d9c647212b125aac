import type { IceServer, ServerMessageOf } from '@lectern/protocol';
import type { TypedEmitter } from '../emitter.js';
import type { LocalScreenTracks } from '../screen-capture.js';
import type { PreparedConnection } from './prepared-offer.js';

export type { LocalScreenTracks } from '../screen-capture.js';

/** A relayed signal addressed to this client. */
export type InboundSignal = ServerMessageOf<'offer'> | ServerMessageOf<'answer'> | ServerMessageOf<'ice-candidate'>;

/** A message from the server's SFU about this client's connections to it. */
export type SfuSignal =
  | ServerMessageOf<'sfu-publish-answer'>
  | ServerMessageOf<'sfu-subscribe-offer'>
  | ServerMessageOf<'sfu-candidate'>
  | ServerMessageOf<'sfu-slots'>
  | ServerMessageOf<'sfu-layers'>;

/** Tracks the local participant sends. Null means nothing for that kind. */
export interface LocalTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

/** Receive-side numbers for a remote participant's shared screen. */
export interface RemoteScreenStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioPacketsReceived: number;
}

/** Receive-side numbers for one remote participant, summarised from getStats(). */
export interface RemoteMediaStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  videoPacketsReceived: number;
  audioPacketsReceived: number;
  bytesReceived: number;
  /** Local candidate type of the selected ICE pair: host, srflx, prflx or relay. */
  localCandidateType: string | null;
  /** How a relayed local candidate reaches its TURN server: udp, tcp or tls (null unless relayed). */
  localRelayProtocol: string | null;
  /** MIME type of the camera video being received (`video/VP8`, `video/H264`); null before any arrives. */
  videoCodec: string | null;
  connectionState: RTCPeerConnectionState;
  /** Their shared screen; the camera numbers above exclude it. All zero when none. */
  screen: RemoteScreenStats;
}

/** Events every topology emits. */
export type TopologyEvents = {
  /** The media stream of a remote participant changed (new track, or replaced). */
  remoteStream: [participantId: string, stream: MediaStream];
  /**
   * A remote participant's screen tracks arrived or changed (`stream`), or stopped (`null`).
   * `streamId` is the stream id the sender used (the msid), to match against its
   * `screen-share` announcement; null when the topology cannot tell.
   */
  remoteScreen: [participantId: string, stream: MediaStream | null, streamId: string | null];
  /** The media connection to a remote participant changed state. */
  connectionState: [participantId: string, state: RTCPeerConnectionState];
  /** A remote participant opened a data channel to us (peer to peer; e.g. a file transfer). */
  dataChannel: [participantId: string, channel: RTCDataChannel];
  /** A non-fatal media error, for logs. */
  error: [participantId: string, error: Error];
};

/** Options every topology gets. */
export interface TopologyOptions {
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  /** The codec to send the camera in through the SFU, when the browser has it (default: the browser's choice, VP8 in Chromium). */
  videoCodec?: 'vp8' | 'h264';
}

/**
 * How media flows: mesh (one RTCPeerConnection per remote peer) or SFU. The Room and the UI
 * never know which one is active.
 */
export interface Topology extends Pick<TypedEmitter<TopologyEvents>, 'on' | 'off' | 'once'> {
  readonly kind: 'mesh' | 'sfu';
  /** Whether this topology can carry shared screens (see {@link setLocalScreen}). */
  readonly carriesScreens: boolean;
  /**
   * A remote participant is present. `initiate` says whether this side makes the first offer;
   * `prepared`, a connection whose offer was made before joining, carries it (mesh only).
   */
  addPeer(participantId: string, initiate: boolean, prepared?: PreparedConnection | null): void;
  /** Drops the media connection to a participant. */
  removePeer(participantId: string): void;
  /** Handles a relayed offer, answer or ICE candidate (mesh). */
  handleSignal(signal: InboundSignal): void;
  /** Handles a message from the server's SFU (sfu). */
  handleSfuSignal(signal: SfuSignal): void;
  /** Changes what is sent to everyone, without renegotiation where possible. */
  setLocalTracks(tracks: LocalTracks): void;
  /** Shares the local screen with everyone as tracks of its own, or stops (`null`). */
  setLocalScreen(screen: LocalScreenTracks | null): void;
  /**
   * How large each participant's video is shown (device pixels high; 0: not visible), so an
   * SFU can forward the simulcast layer that fits. Mesh ignores it.
   */
  setVideoViews(views: ReadonlyMap<string, number>): void;
  /** New ICE servers (renewed TURN credentials) for every connection, present and future. */
  setIceServers(iceServers: IceServer[]): void;
  /** Audio level 0..1 of a remote participant, from the RTP audio-level extension. */
  audioLevel(participantId: string): number;
  /** Receive-side numbers for a remote participant. */
  stats(participantId: string): Promise<RemoteMediaStats | null>;
  /**
   * Opens a reliable, ordered data channel straight to a participant (never through a server),
   * or returns null when there is no connection to them. Used by file transfer.
   */
  openDataChannel(participantId: string, label: string): RTCDataChannel | null;
  /** Closes every connection. Idempotent. */
  close(): void;
}
