import { useEffect } from 'preact/hooks';
import type { ParticipantConnection } from '@lectern/client';
import { useVideoStream } from './hooks.js';
import { Icon } from './icons.js';

/** What a tile shows, for the local or a remote participant. */
export interface TileProps {
  id: string;
  name: string;
  stream: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  speaking: boolean;
  audioLevel: number;
  isLocal: boolean;
  connection?: ParticipantConnection;
  /** Called with the video's shown height in device pixels (0: not shown), when it changes. */
  onVideoSize?: (height: number) => void;
}

const CONNECTION_WORDS: Partial<Record<ParticipantConnection, string>> = {
  connecting: 'Connecting…',
  unstable: 'Connection unstable…',
  failed: 'Connection lost',
  reconnecting: 'Reconnecting…',
};

/** One participant: video (or initials when the camera is off), name, mic and speaking state. */
export function Tile(props: TileProps) {
  const ref = useVideoStream(props.stream);
  const label = `${props.name}${props.isLocal ? ' (you)' : ''}`;
  const status = props.connection ? CONNECTION_WORDS[props.connection] : undefined;
  const hasVideo = !props.cameraOff && !!props.stream?.getVideoTracks().length;
  const { onVideoSize } = props;
  useEffect(() => {
    const el = ref.current;
    if (!onVideoSize || !el) return;
    if (!hasVideo || typeof ResizeObserver === 'undefined') {
      onVideoSize(0);
      return;
    }
    const observer = new ResizeObserver(([entry]) => onVideoSize(Math.round((entry?.contentRect.height ?? 0) * devicePixelRatio)));
    observer.observe(el);
    return () => {
      observer.disconnect();
      onVideoSize(0);
    };
  }, [hasVideo, onVideoSize]);
  return (
    <figure
      class={`tile${props.speaking ? ' speaking' : ''}${props.isLocal ? ' local' : ''}`}
      data-testid="tile"
      data-participant-id={props.id}
      data-muted={String(props.muted)}
      data-camera-off={String(props.cameraOff)}
      data-speaking={String(props.speaking)}
      aria-label={`${label}${props.muted ? ', microphone muted' : ''}${props.cameraOff ? ', camera off' : ''}${props.speaking ? ', speaking' : ''}`}
    >
      {/* Remote audio plays through this element too, so it stays mounted when the camera is off. */}
      <video ref={ref} autoplay playsInline muted={props.isLocal} class={hasVideo ? '' : 'hidden'} aria-hidden="true" />
      {!hasVideo && (
        <div class="avatar" aria-hidden="true">
          {initials(props.name)}
        </div>
      )}
      {status && <div class="tile-status" role="status">{status}</div>}
      <figcaption>
        <span class="level" style={{ '--level': String(props.muted ? 0 : props.audioLevel) }} aria-hidden="true" />
        <span class="name">{label}</span>
        {props.muted && (
          <span class="icon" role="img" aria-label="Microphone muted" title="Microphone muted" data-testid="muted-icon">
            <Icon name="micOff" />
          </span>
        )}
        {props.cameraOff && (
          <span class="icon" role="img" aria-label="Camera off" title="Camera off" data-testid="camera-off-icon">
            <Icon name="cameraOff" />
          </span>
        )}
      </figcaption>
    </figure>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]![0], parts[parts.length - 1]![0]] : [parts[0]?.[0]];
  return letters.filter(Boolean).join('').toUpperCase() || '?';
}
