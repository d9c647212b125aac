import { useEffect, useState } from 'preact/hooks';
import { webAudioLevelMeter, type LocalMedia, type RoomState } from '@lectern/client';
import { useVideoStream } from './hooks.js';
import { rememberedName } from './route.js';
import { ServerStatus } from './status.js';

/** Before joining: see yourself, pick devices, check the microphone, then join. */
export function PreJoin(props: {
  code: string;
  media: LocalMedia;
  mediaNotice: string | null;
  roomState: RoomState;
  error: string | null;
  busy: boolean;
  /** The session needs a password (the server said so): show the field. */
  askPassword: boolean;
  /** The name a join token (LMS link) gives; the field then shows it and cannot be changed. */
  fixedName: string | null;
  onJoin: (name: string, password: string | undefined) => void;
  onHome: () => void;
}) {
  const { media } = props;
  const [name, setName] = useState(props.fixedName ?? rememberedName());
  const [devices, setDevices] = useState<{ audio: MediaDeviceInfo[]; video: MediaDeviceInfo[] }>({ audio: [], video: [] });
  const [, setTick] = useState(0);
  const [level, setLevel] = useState(0);
  const [local, setLocal] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const ref = useVideoStream(media.videoTrack ? media.stream : null);

  useEffect(() => {
    const refresh = () => {
      setTick((n) => n + 1);
      media.listDevices().then(setDevices, () => {});
    };
    refresh();
    const off = media.on('tracksChanged', refresh);
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    return () => {
      off();
      navigator.mediaDevices?.removeEventListener?.('devicechange', refresh);
    };
  }, [media]);

  useEffect(() => {
    const track = media.audioTrack;
    if (!track) return;
    const meter = webAudioLevelMeter(track);
    const timer = setInterval(() => setLevel(meter.level()), 100);
    return () => {
      clearInterval(timer);
      meter.close();
    };
  }, [media, media.audioTrack]);

  const join = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setLocal('Enter your name first, so others know who you are.');
    if (props.askPassword && !password) return setLocal('Enter the session password. The host can tell you what it is.');
    setLocal(null);
    props.onJoin(name.trim(), props.askPassword ? password : undefined);
  };
  const error = local ?? props.error;
  return (
    <main class="prejoin">
      <h1>
        Join session <code data-testid="session-code">{props.code}</code>
      </h1>
      <ServerStatus state={props.roomState} />
      {error && (
        <p class="error" role="alert">
          {error}{' '}
          <button type="button" class="link" onClick={props.onHome}>
            Back to the start page
          </button>
        </p>
      )}
      {props.mediaNotice && (
        <p class="notice" role="status">
          {props.mediaNotice}
        </p>
      )}
      <div class="prejoin-grid">
        <div class="preview">
          {media.videoTrack ? <video ref={ref} autoplay playsInline muted class="mirror" aria-label="Camera preview" /> : <div class="avatar">No camera</div>}
          <div class="meter" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(level * 100)}>
            <span style={{ width: `${Math.round(level * 100)}%` }} />
          </div>
        </div>
        <form class="card" onSubmit={join}>
          <label for="pj-name">Your name</label>
          <input id="pj-name" autocomplete="name" maxLength={64} value={name} readOnly={props.fixedName !== null} onInput={(e) => setName(e.currentTarget.value)} />
          {props.fixedName !== null && <p class="muted-text">Your name comes from your learning platform.</p>}
          {props.askPassword && (
            <>
              <label for="pj-password">Session password</label>
              <input id="pj-password" type="password" autocomplete="current-password" maxLength={128} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </>
          )}
          <label for="pj-mic">Microphone</label>
          <select id="pj-mic" disabled={devices.audio.length === 0} value={media.audioDeviceId ?? ''} onChange={(e) => void media.switchDevice('audio', e.currentTarget.value)}>
            {devices.audio.length === 0 && <option value="">No microphone</option>}
            {devices.audio.map((d, i) => (
              <option value={d.deviceId}>{d.label || `Microphone ${i + 1}`}</option>
            ))}
          </select>
          <label for="pj-cam">Camera</label>
          <select id="pj-cam" disabled={devices.video.length === 0} value={media.videoDeviceId ?? ''} onChange={(e) => void media.switchDevice('video', e.currentTarget.value)}>
            {devices.video.length === 0 && <option value="">No camera</option>}
            {devices.video.map((d, i) => (
              <option value={d.deviceId}>{d.label || `Camera ${i + 1}`}</option>
            ))}
          </select>
          <button type="submit" class="primary" disabled={props.busy || props.roomState !== 'connected'}>
            {props.busy ? 'Joining…' : 'Join session'}
          </button>
        </form>
      </div>
    </main>
  );
}
