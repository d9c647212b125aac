import type { PeerConnectionFactory } from '../ports.js';
import { LINK_CHANNEL_LABEL } from './peer-link.js';
import type { LocalTracks } from './topology.js';

/** A peer connection whose first offer is already made, handed to the link that uses it. */
export interface PreparedConnection {
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  readonly video: RTCRtpTransceiver;
  readonly channel: RTCDataChannel;
}

/**
 * The first mesh connection of a participant who is about to join, made on the pre-join screen:
 * the camera's transceivers, the link's data channel, the offer set as the local description,
 * and ICE candidates gathered, all before "Join" is clicked. On joining, the link to the first
 * participant takes it and sends the offer at once (candidates included in the SDP), which takes
 * offer creation and candidate gathering off the call-setup path.
 *
 * A connection that is not ready when taken, or never taken, is closed; the link then makes its
 * own, as it would without one.
 */
export class PreparedOffer {
  readonly #connection: PreparedConnection;
  #ready = false;
  #failed = false;
  #taken = false;
  #closed = false;

  constructor(factory: PeerConnectionFactory, config: RTCConfiguration, tracks: LocalTracks) {
    const pc = factory(config);
    // The same m-line order and channel a link that initiates makes (PeerLink's constructor).
    const audio = pc.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendrecv' });
    const video = pc.addTransceiver(tracks.video ?? 'video', { direction: 'sendrecv' });
    const channel = pc.createDataChannel(LINK_CHANNEL_LABEL);
    this.#connection = { pc, audio, video, channel };
    pc.setLocalDescription().then(
      () => {
        this.#ready = true;
      },
      () => {
        this.#failed = true;
      },
    );
  }

  /** Whether the offer is made and nobody has taken or closed it. */
  get ready(): boolean {
    return this.#ready && !this.#failed && !this.#taken && !this.#closed && this.#connection.pc.signalingState === 'have-local-offer';
  }

  /** Sends different tracks (the person switched camera or microphone before joining). */
  setTracks(tracks: LocalTracks): void {
    if (this.#taken || this.#closed) return;
    for (const [t, track] of [
      [this.#connection.audio, tracks.audio],
      [this.#connection.video, tracks.video],
    ] as const) {
      if (t.sender.track !== track) t.sender.replaceTrack(track).catch(() => {});
    }
  }

  /** Hands the connection over (its owner now closes it), or returns null and closes it if it is not ready. */
  take(): PreparedConnection | null {
    if (!this.ready) {
      this.close();
      return null;
    }
    this.#taken = true;
    return this.#connection;
  }

  /** Closes the connection unless it was taken. Idempotent. */
  close(): void {
    if (this.#taken || this.#closed) return;
    this.#closed = true;
    this.#connection.channel.close();
    this.#connection.pc.close();
  }
}
