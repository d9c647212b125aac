import { LocalMedia, type LocalMediaOptions } from '../local-media.js';
import { Room, type RoomOptions } from '../room.js';
import { webAudioLevelMeter } from './audio-level.js';
import { workerSha256 } from './worker-hash.js';
import { defaultSignalingUrl, websocketTransport } from './websocket-transport.js';

export { checkBrowserSupport } from './support.js';
export { webAudioLevelMeter } from './audio-level.js';
export { websocketTransport, defaultSignalingUrl } from './websocket-transport.js';

/** Makes a {@link Room} wired to the browser: WebSocket, RTCPeerConnection, Web Audio. */
export function createBrowserRoom(options: Partial<RoomOptions> = {}): Room {
  return new Room({
    url: options.url ?? defaultSignalingUrl(),
    transport: options.transport ?? websocketTransport,
    peerConnectionFactory: options.peerConnectionFactory ?? ((config) => new RTCPeerConnection(config)),
    audioLevelMeter: options.audioLevelMeter ?? webAudioLevelMeter,
    fileHash: options.fileHash ?? workerSha256,
    ...options,
  });
}

/** Makes {@link LocalMedia} on `navigator.mediaDevices`. */
export function createBrowserMedia(options: LocalMediaOptions = {}): LocalMedia {
  return new LocalMedia(navigator.mediaDevices, options);
}
