/**
 * The client core's view of the outside world. Browser implementations live in
 * `browser/`; unit tests inject fakes.
 */

/** A text message channel to the server (a WebSocket in browsers). */
export interface SignalTransport {
  /** Sends one text frame. */
  send(text: string): void;
  /** Closes the channel; `onClose` still fires. */
  close(code?: number, reason?: string): void;
  onOpen: (() => void) | null;
  onMessage: ((text: string) => void) | null;
  onClose: ((code: number, reason: string) => void) | null;
}

/** Opens a transport to a URL. */
export type SignalTransportFactory = (url: string) => SignalTransport;

/** Makes RTCPeerConnections. */
export type PeerConnectionFactory = (config: RTCConfiguration) => RTCPeerConnection;

/** The subset of `navigator.mediaDevices` the SDK uses. */
export interface MediaDevicesPort {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
}

/** Measures the level (0..1) of a local audio track. */
export interface AudioLevelMeter {
  level(): number;
  close(): void;
}

/** Makes a meter for a track. */
export type AudioLevelMeterFactory = (track: MediaStreamTrack) => AudioLevelMeter;

/** Timers, injectable so tests can drive time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};
