import { useState } from 'preact/hooks';
import { normalizeSessionCode, type ClassRoomInfo, type ClassRoomSettings, type RoomState } from '@lectern/client';
import { NewClassRoom } from './class-room-form.js';
import { rememberedName } from './route.js';
import { ServerStatus } from './status.js';

/** The landing page: start a session, or join one by code. */
export function Home(props: {
  roomState: RoomState;
  error: string | null;
  busy: boolean;
  onCreate: (name: string, password: string | undefined) => void;
  onJoinCode: (code: string) => void;
  onCreateClassRoom: (settings: ClassRoomSettings) => Promise<ClassRoomInfo>;
  onEnterClassRoom: (room: ClassRoomInfo) => void;
}) {
  const [name, setName] = useState(rememberedName());
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const create = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setLocal('Enter your name first, so others know who you are.');
    setLocal(null);
    props.onCreate(name.trim(), password || undefined);
  };
  const join = (e: Event) => {
    e.preventDefault();
    const canonical = normalizeSessionCode(code);
    if (!canonical) return setLocal('That is not a session code. It looks like abc-defg-hjk.');
    setLocal(null);
    props.onJoinCode(canonical);
  };
  const error = local ?? props.error;
  return (
    <main class="home">
      <h1>Lectern</h1>
      <p class="lead">Video calls and classes, on your own server.</p>
      <ServerStatus state={props.roomState} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form class="card" onSubmit={create}>
        <h2>Start a session</h2>
        <label for="name">Your name</label>
        <input id="name" name="name" autocomplete="name" maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="session-password">Session password (optional)</label>
        <input
          id="session-password"
          type="password"
          autocomplete="new-password"
          maxLength={128}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={props.busy || props.roomState !== 'connected'}>
          {props.busy ? 'Starting…' : 'New session'}
        </button>
      </form>
      <form class="card" onSubmit={join}>
        <h2>Join a session</h2>
        <label for="code">Session code</label>
        <input
          id="code"
          name="code"
          placeholder="abc-defg-hjk"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <button type="submit">Join</button>
      </form>
      <NewClassRoom disabled={props.roomState !== 'connected'} onCreate={props.onCreateClassRoom} onEnter={props.onEnterClassRoom} />
    </main>
  );
}
