/**
 * Lectern browser SDK. Start with {@link createBrowserRoom} and {@link createBrowserMedia}.
 * @packageDocumentation
 */
export { Room, type RoomEvents, type RoomOptions, type RoomState, type LocalMediaSource, type LeaveReason } from './room.js';
export { LocalMedia, DEFAULT_VIDEO_CONSTRAINTS, SFU_VIDEO_CONSTRAINTS, mediaError, type LocalMediaEvents, type LocalMediaOptions } from './local-media.js';
export {
  ScreenCapture,
  screenShareError,
  SCREEN_CAPTURE_OPTIONS,
  SCREEN_VIDEO_ENCODING,
  SCREEN_DEGRADATION_PREFERENCE,
  type LocalScreenTracks,
  type ScreenCaptureEvents,
  type ChromiumDisplayMediaHints,
} from './screen-capture.js';
export { RemoteParticipant, SpeakingDetector, type LocalParticipantState, type ParticipantConnection } from './participant.js';
export { SignalClient, type SignalState, type SignalClientEvents, type SignalClientOptions, type RequestOptions } from './signal-client.js';
export { Moderation, type ModerationEvents, type ModerationHost, type ModerationNotice, type ClassroomState } from './moderation.js';
export { credentialsFromLink, hostLink, studentLink, tokenName, type JoinCredentials, type ClassRoomSettings, type ClassRoomInfo } from './access.js';
export { Chat, checkChatText, type ChatMessage, type ChatMessageState, type ChatEvents, type ChatHost, type InboundChat } from './chat.js';
export { TypedEmitter, type EventMap, type Listener } from './emitter.js';
export { StateMachine } from './state.js';
export type { Topology, TopologyEvents, TopologyOptions, LocalTracks, RemoteMediaStats, RemoteScreenStats, InboundSignal } from './topology/topology.js';
export { MeshTopology } from './topology/mesh.js';
export * from './files/index.js';
export { summarizeInboundStats } from './topology/stats.js';
export type { SignalTransport, SignalTransportFactory, PeerConnectionFactory, MediaDevicesPort, AudioLevelMeter, AudioLevelMeterFactory, Clock } from './ports.js';
export { systemClock } from './ports.js';
export { createBrowserRoom, createBrowserMedia, checkBrowserSupport, webAudioLevelMeter, websocketTransport, defaultSignalingUrl } from './browser/index.js';
export { LecternError, ErrorCodes, normalizeSessionCode, isSessionCode, MAX_CHAT_CHARS, chatLength, type ErrorCode, type ScreenShareInfo, type Role, type Reaction, type Spotlight, type RaisedHand, type Person, type ModerationAction, REACTIONS } from '@lectern/protocol';
