import { ErrorCodes, LecternError } from '@lectern/protocol';
import { TypedEmitter } from './emitter.js';
import type { MediaDevicesPort } from './ports.js';

/**
 * What to ask `getDisplayMedia` for: a picture meant for text (slides, code, documents), so
 * full HD at a low frame rate rather than a smooth but blurry one. Audio is asked for too;
 * browsers that cannot share it (or a window without sound) simply give no audio track.
 */
export const SCREEN_CAPTURE_OPTIONS: DisplayMediaStreamOptions & ChromiumDisplayMediaHints = {
  video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: 15, max: 15 } },
  audio: true,
  // Chromium hints (others ignore them): do not offer the call's own tab, which would show
  // the call inside itself; let people switch tabs without stopping; offer system audio.
  selfBrowserSurface: 'exclude',
  surfaceSwitching: 'include',
  systemAudio: 'include',
};

/** getDisplayMedia options Chromium understands beyond the standard ones. */
export interface ChromiumDisplayMediaHints {
  selfBrowserSurface?: 'include' | 'exclude';
  surfaceSwitching?: 'include' | 'exclude';
  systemAudio?: 'include' | 'exclude';
}

/**
 * How the screen's video is encoded: enough bitrate for sharp 1080p text at up to 15 fps.
 * With `degradationPreference: 'maintain-resolution'` a congested link drops frames, never
 * resolution, so small text stays legible.
 */
export const SCREEN_VIDEO_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 2_500_000, maxFramerate: 15 };
/** See {@link SCREEN_VIDEO_ENCODING}. */
export const SCREEN_DEGRADATION_PREFERENCE = 'maintain-resolution';

/** The screen one shares: its stream (whose id is the one announced to others) and tracks. */
export interface LocalScreenTracks {
  stream: MediaStream;
  video: MediaStreamTrack;
  audio: MediaStreamTrack | null;
}

/** Events of {@link ScreenCapture}. */
export type ScreenCaptureEvents = {
  /** The capture ended by itself: the browser's own "Stop sharing" bar, or the window closed. */
  ended: [];
};

/**
 * One screen capture: opens `getDisplayMedia` with the text profile, marks the video as
 * detail content, and reports when the browser ends it. `stop()` releases it.
 */
export class ScreenCapture extends TypedEmitter<ScreenCaptureEvents> {
  #stopped = false;

  private constructor(readonly tracks: LocalScreenTracks) {
    super();
    // `ended` only fires when the browser ends the track (its "Stop sharing" bar, the shared
    // window closing), never after our own stop().
    tracks.video.addEventListener('ended', () => {
      if (this.#stopped) return;
      this.stop();
      this.emit('ended');
    });
  }

  /** True once stopped, by us or by the browser. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Shows the browser's picker and starts capturing. Throws {@link LecternError}:
   * SCREEN_SHARE_UNSUPPORTED (no getDisplayMedia, as on most phones), SCREEN_SHARE_DENIED
   * (the picker was cancelled or sharing is blocked), SCREEN_SHARE_FAILED (anything else).
   */
  static async start(devices: Pick<MediaDevicesPort, 'getDisplayMedia'> | null | undefined, options = SCREEN_CAPTURE_OPTIONS): Promise<ScreenCapture> {
    if (!devices || typeof devices.getDisplayMedia !== 'function') {
      throw new LecternError(ErrorCodes.SCREEN_SHARE_UNSUPPORTED, 'this browser cannot share its screen');
    }
    let stream: MediaStream;
    try {
      stream = await devices.getDisplayMedia(options);
    } catch (err) {
      throw screenShareError(err);
    }
    const video = stream.getVideoTracks()[0];
    if (!video) {
      for (const t of stream.getTracks()) t.stop();
      throw new LecternError(ErrorCodes.SCREEN_SHARE_FAILED, 'the screen capture has no picture');
    }
    // Tells the encoder this is text and lines, not faces: it keeps edges sharp.
    if ('contentHint' in video) video.contentHint = 'detail';
    return new ScreenCapture({ stream, video, audio: stream.getAudioTracks()[0] ?? null });
  }

  /** Stops every track. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const { stream, video, audio } = this.tracks;
    for (const t of new Set([...stream.getTracks(), video, ...(audio ? [audio] : [])])) t.stop();
  }
}

/** Maps a getDisplayMedia failure to a coded error. */
export function screenShareError(err: unknown): LecternError {
  const name = (err as { name?: string } | null)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'AbortError') {
    // Chromium and Firefox report a cancelled picker as NotAllowedError.
    return new LecternError(ErrorCodes.SCREEN_SHARE_DENIED, 'screen sharing was cancelled or blocked', { cause: err });
  }
  if (name === 'NotSupportedError' || name === 'TypeError') {
    return new LecternError(ErrorCodes.SCREEN_SHARE_UNSUPPORTED, 'this browser cannot share its screen', { cause: err });
  }
  return new LecternError(ErrorCodes.SCREEN_SHARE_FAILED, 'the screen could not be captured', { cause: err });
}
