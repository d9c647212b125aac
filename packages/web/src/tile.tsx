import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { ParticipantConnection, Role } from '@lectern/client';
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
  /** Host or co-host get a badge. */
  role?: Role;
  handRaised?: boolean;
  /** A reaction showing now (text: it is user content, not an icon). */
  reaction?: string;
  /** The host menu for this participant, when the viewer may use one. */
  menu?: ComponentChildren;
  /** Called with the video's shown height in device pixels (0: not shown), when it changes. */
  onVideoSize?: (height: number) => void;
}

const ROLE_WORDS: Partial<Record<Role, string>> = { host: 'Host', cohost: 'Co-host' };

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
  const role = props.role ? ROLE_WORDS[props.role] : undefined;
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
      data-role={props.role ?? 'participant'}
      data-hand={String(!!props.handRaised)}
      aria-label={`${label}${role ? `, ${role.toLowerCase()}` : ''}${props.handRaised ? ', hand raised' : ''}${props.muted ? ', microphone muted' : ''}${props.cameraOff ? ', camera off' : ''}${props.speaking ? ', speaking' : ''}`}
    >
      {/* Remote audio plays through this element too, so it stays mounted when the camera is off. */}
      <video ref={ref} autoplay playsInline muted={props.isLocal} class={hasVideo ? '' : 'hidden'} aria-hidden="true" />
      {!hasVideo && (
        <div class="avatar" aria-hidden="true">
          {initials(props.name)}
        </div>
      )}
      {status && <div class="tile-status" role="status">{status}</div>}
      {props.reaction && (
        <div class="tile-reaction" role="img" aria-label={`${props.name} reacted ${props.reaction}`} data-testid="tile-reaction">
          {props.reaction}
        </div>
      )}
      {props.menu}
      <figcaption>
        <span class="level" style={{ '--level': String(props.muted ? 0 : props.audioLevel) }} aria-hidden="true" />
        {props.handRaised && (
          <span class="icon hand" role="img" aria-label="Hand raised" title="Hand raised" data-testid="hand-icon">
            <Icon name="hand" />
          </span>
        )}
        <span class="name">{label}</span>
        {role && <span class="role-badge">{role}</span>}
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
