import { warmUpCodec } from '@lectern/protocol';
import { LocalMedia, type LocalMediaOptions } from '../local-media.js';
import type { PeerConnectionFactory } from '../ports.js';
import { Room, type RoomOptions } from '../room.js';
import { webAudioLevelMeter } from './audio-level.js';
import { workerSha256 } from './worker-hash.js';
import { defaultSignalingUrl, websocketTransport } from './websocket-transport.js';

export { checkBrowserSupport } from './support.js';
export { webAudioLevelMeter } from './audio-level.js';
export { websocketTransport, defaultSignalingUrl } from './websocket-transport.js';

/** Makes a {@link Room} wired to the browser: WebSocket, RTCPeerConnection, Web Audio. */
export function createBrowserRoom(options: Partial<RoomOptions> = {}): Room {
  setTimeout(warmUpCodec, 0);
  return new Room({
    url: options.url ?? defaultSignalingUrl(),
    transport: options.transport ?? websocketTransport,
    peerConnectionFactory: options.peerConnectionFactory ?? warmPeerConnectionFactory(),
    audioLevelMeter: options.audioLevelMeter ?? webAudioLevelMeter,
    // Phones lack getDisplayMedia; the Room then reports screen sharing as unsupported.
    displayMedia: options.displayMedia ?? (typeof navigator !== 'undefined' ? (navigator.mediaDevices ?? null) : null),
    fileHash: options.fileHash ?? workerSha256,
    ...options,
  });
}

/** Makes {@link LocalMedia} on `navigator.mediaDevices`. */
export function createBrowserMedia(options: LocalMediaOptions = {}): LocalMedia {
  return new LocalMedia(navigator.mediaDevices, options);
}

/**
 * Makes RTCPeerConnections that share one DTLS certificate made ahead of time, and warms
 * the browser's WebRTC stack (threads, codec factories, network) with a throwaway offer
 * while the person is still on the pre-join screen. A page's first connection otherwise
 * pays for all of that, and for its certificate, in the middle of call setup.
 */
export function warmPeerConnectionFactory(): PeerConnectionFactory {
  let certificates: RTCCertificate[] | undefined;
  const warm = async (): Promise<void> => {
    const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);
    certificates = [certificate];
    const pc = new RTCPeerConnection({ certificates });
    try {
      pc.addTransceiver('audio');
      pc.addTransceiver('video');
      await pc.createOffer();
    } finally {
      pc.close();
    }
  };
  setTimeout(() => void warm().catch(() => {}), 0);
  return (config) => {
    // A certificate lasts 30 days; a tab open longer than that makes fresh ones.
    const fresh = certificates?.every((c) => c.expires > Date.now() + 3_600_000);
    return new RTCPeerConnection(fresh && !config.certificates ? { ...config, certificates } : config);
  };
}
