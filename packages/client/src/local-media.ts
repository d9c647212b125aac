import { ErrorCodes, LecternError } from '@lectern/protocol';
import { TypedEmitter } from './emitter.js';
import type { MediaDevicesPort } from './ports.js';
import type { LocalTracks } from './topology/topology.js';

/** Which devices to open, and at what size. */
export interface LocalMediaOptions {
  audio?: boolean;
  video?: boolean;
  audioDeviceId?: string;
  videoDeviceId?: string;
  videoConstraints?: MediaTrackConstraints;
}

/** Events of {@link LocalMedia}. */
export type LocalMediaEvents = {
  /** The tracks to send changed (device switch, camera turned on or off). */
  tracksChanged: [tracks: LocalTracks];
  /** Mute or camera state changed. */
  stateChanged: [state: { muted: boolean; cameraOff: boolean }];
};

/** Default camera constraints: 640×360 is sharp in a grid and cheap for a 6-way mesh. */
export const DEFAULT_VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 30 },
};

/**
 * Camera constraints for a class through the SFU: 1280×720, sent as three simulcast layers
 * (720p, 360p, 180p) from which the server forwards each receiver the one its tile needs.
 */
export const SFU_VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 24, max: 30 },
};

/**
 * The local camera and microphone: opens what works (falling back to audio-only, video-only
 * or nothing), mutes, turns the camera off (and its light), and switches devices.
 */
export class LocalMedia extends TypedEmitter<LocalMediaEvents> {
  readonly stream = new MediaStream();
  audioTrack: MediaStreamTrack | null = null;
  videoTrack: MediaStreamTrack | null = null;
  #muted = false;
  #cameraOff = false;
  #audioDeviceId: string | undefined;
  #videoDeviceId: string | undefined;
  #videoConstraints: MediaTrackConstraints;
  #closed = false;

  constructor(private readonly devices: MediaDevicesPort, options: LocalMediaOptions = {}) {
    super();
    this.#audioDeviceId = options.audioDeviceId;
    this.#videoDeviceId = options.videoDeviceId;
    this.#videoConstraints = options.videoConstraints ?? DEFAULT_VIDEO_CONSTRAINTS;
  }

  get muted(): boolean {
    return this.#muted || !this.audioTrack;
  }

  get cameraOff(): boolean {
    return this.#cameraOff || !this.videoTrack;
  }

  get tracks(): LocalTracks {
    return { audio: this.audioTrack, video: this.#cameraOff ? null : this.videoTrack };
  }

  get audioDeviceId(): string | undefined {
    return this.audioTrack?.getSettings().deviceId ?? this.#audioDeviceId;
  }

  get videoDeviceId(): string | undefined {
    return this.videoTrack?.getSettings().deviceId ?? this.#videoDeviceId;
  }

  /**
   * Opens camera and microphone. What cannot be opened is reported in `problems` (codes
   * MEDIA_DENIED or MEDIA_NOT_FOUND) and the rest still works; never throws for devices.
   */
  async start(want: { audio: boolean; video: boolean } = { audio: true, video: true }): Promise<{ problems: LecternError[] }> {
    const problems: LecternError[] = [];
    if (want.audio && want.video) {
      try {
        const s = await this.devices.getUserMedia({ audio: this.#audioConstraints(), video: this.#videoConstraintsFull() });
        if (this.#closed) {
          for (const t of s.getTracks()) t.stop();
          return { problems };
        }
        this.#adopt(s);
        this.#announce();
        return { problems };
      } catch {
        // Try each device alone to learn which one failed, and keep the one that works.
      }
    }
    if (want.audio) await this.#openOne('audio').catch((e: LecternError) => problems.push(e));
    if (want.video) await this.#openOne('video').catch((e: LecternError) => problems.push(e));
    this.#announce();
    return { problems };
  }

  /** Mutes or unmutes the microphone (the track stays open for instant unmute). */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    if (this.audioTrack) this.audioTrack.enabled = !muted;
    this.emit('stateChanged', { muted: this.muted, cameraOff: this.cameraOff });
  }

  /** Turns the camera off (releasing the device) or on again. */
  async setCameraOff(off: boolean): Promise<void> {
    if (off) {
      this.#cameraOff = true;
      this.#dropTrack('video');
    } else {
      if (!this.videoTrack) await this.#openOne('video');
      this.#cameraOff = false;
    }
    this.#announce();
  }

  /**
   * Changes the camera's size and rate (e.g. {@link SFU_VIDEO_CONSTRAINTS} when a session moves
   * to the SFU): applied to the running camera, and used for every later one. Device choice is
   * kept. A camera that cannot do it keeps what it has.
   */
  async setVideoConstraints(constraints: MediaTrackConstraints): Promise<void> {
    this.#videoConstraints = constraints;
    const track = this.videoTrack;
    if (!track || typeof track.applyConstraints !== 'function') return;
    await track.applyConstraints({ ...constraints }).catch(() => {});
  }

  /** Switches to another microphone or camera. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    if (kind === 'audio') this.#audioDeviceId = deviceId;
    else this.#videoDeviceId = deviceId;
    if (kind === 'video' && this.#cameraOff) return;
    await this.#openOne(kind);
    this.#announce();
  }

  /** Lists microphones and cameras (labels appear once permission is granted). */
  async listDevices(): Promise<{ audio: MediaDeviceInfo[]; video: MediaDeviceInfo[] }> {
    const all = await this.devices.enumerateDevices();
    return { audio: all.filter((d) => d.kind === 'audioinput'), video: all.filter((d) => d.kind === 'videoinput') };
  }

  /** Stops every track. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropTrack('audio');
    this.#dropTrack('video');
    this.removeAllListeners();
  }

  #announce(): void {
    if (this.#closed) return;
    this.emit('tracksChanged', this.tracks);
    this.emit('stateChanged', { muted: this.muted, cameraOff: this.cameraOff });
  }

  async #openOne(kind: 'audio' | 'video'): Promise<void> {
    let s: MediaStream;
    try {
      s = await this.devices.getUserMedia(kind === 'audio' ? { audio: this.#audioConstraints() } : { video: this.#videoConstraintsFull() });
    } catch (err) {
      throw mediaError(kind, err);
    }
    if (this.#closed) {
      for (const t of s.getTracks()) t.stop();
      return;
    }
    this.#adopt(s);
  }

  #adopt(s: MediaStream): void {
    for (const track of s.getTracks()) {
      const kind = track.kind === 'audio' ? 'audio' : 'video';
      this.#dropTrack(kind);
      this.stream.addTrack(track);
      if (kind === 'audio') {
        track.enabled = !this.#muted;
        this.audioTrack = track;
      } else {
        this.videoTrack = track;
      }
    }
  }

  #dropTrack(kind: 'audio' | 'video'): void {
    const track = kind === 'audio' ? this.audioTrack : this.videoTrack;
    if (!track) return;
    track.stop();
    this.stream.removeTrack(track);
    if (kind === 'audio') this.audioTrack = null;
    else this.videoTrack = null;
  }

  #audioConstraints(): MediaTrackConstraints | boolean {
    const c: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (this.#audioDeviceId) c.deviceId = { exact: this.#audioDeviceId };
    return c;
  }

  #videoConstraintsFull(): MediaTrackConstraints {
    return this.#videoDeviceId ? { ...this.#videoConstraints, deviceId: { exact: this.#videoDeviceId } } : { ...this.#videoConstraints };
  }
}

/** Maps a getUserMedia failure to a coded error in plain words. */
export function mediaError(kind: 'audio' | 'video', err: unknown): LecternError {
  const name = (err as { name?: string } | null)?.name ?? '';
  const device = kind === 'audio' ? 'microphone' : 'camera';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new LecternError(ErrorCodes.MEDIA_DENIED, `access to the ${device} was denied`, { cause: err });
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new LecternError(ErrorCodes.MEDIA_NOT_FOUND, `no ${device} was found`, { cause: err });
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return new LecternError(ErrorCodes.MEDIA_NOT_FOUND, `the ${device} is in use by another program or failed to start`, { cause: err });
  }
  return new LecternError(ErrorCodes.MEDIA_DENIED, `could not open the ${device}`, { cause: err });
}
