import { useState } from 'preact/hooks';
import { hostLink, studentLink, type ClassRoomInfo, type ClassRoomSettings } from '@lectern/client';
import { describeError } from './words.js';

/** The home page's "New class room" form: a named room with a stable link and its settings. */
export function NewClassRoom(props: { disabled: boolean; onCreate: (settings: ClassRoomSettings) => Promise<ClassRoomInfo>; onEnter: (room: ClassRoomInfo) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [maxSize, setMaxSize] = useState('');
  const [lobby, setLobby] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ClassRoomInfo | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setError('Give the class room a name, such as "Physics 101".');
    const size = maxSize.trim() === '' ? undefined : Number(maxSize);
    if (size !== undefined && (!Number.isInteger(size) || size < 2 || size > 50)) return setError('The maximum size is a whole number from 2 to 50.');
    setBusy(true);
    setError(null);
    try {
      setCreated(await props.onCreate({ name: name.trim(), lobby, ...(password ? { password } : {}), ...(size ? { maxParticipants: size } : {}) }));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (created) return <ClassRoomLinks room={created} onEnter={() => props.onEnter(created)} />;
  return (
    <form class="card" onSubmit={submit}>
      <h2>New class room</h2>
      <p class="muted-text">A room that keeps its link: share one link with your students and keep the host link for yourself.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <label for="cr-name">Class room name</label>
      <input id="cr-name" maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Physics 101" />
      <label for="cr-password">Class room password (optional)</label>
      <input id="cr-password" type="password" autocomplete="new-password" maxLength={128} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      <label for="cr-size">Maximum size (optional)</label>
      <input id="cr-size" type="number" min={2} max={50} inputMode="numeric" value={maxSize} onInput={(e) => setMaxSize(e.currentTarget.value)} />
      <label class="check">
        <input type="checkbox" checked={lobby} onChange={(e) => setLobby(e.currentTarget.checked)} /> Students wait in the lobby until I let them in
      </label>
      <button type="submit" disabled={props.disabled || busy}>
        {busy ? 'Creating…' : 'Create class room'}
      </button>
    </form>
  );
}

/** A new class room's two links, shown once: the host key is not stored in a form it can be shown again. */
function ClassRoomLinks(props: { room: ClassRoomInfo; onEnter: () => void }) {
  const { room } = props;
  const student = studentLink(location.origin, room.code);
  const host = hostLink(location.origin, room.code, room.hostKey);
  return (
    <section class="card" data-testid="class-room-created" aria-label="Class room created">
      <h2>{room.name} is ready</h2>
      <label for="cr-student">Student link</label>
      <LinkField id="cr-student" value={student} />
      <label for="cr-host">Host link (keep it to yourself: it makes whoever opens it a host)</label>
      <LinkField id="cr-host" value={host} />
      <p class="muted-text">
        Save the host link now; it is shown only this once. {room.password ? 'Students need the password. ' : ''}
        {room.lobby ? 'Students wait in the lobby until a host lets them in. ' : ''}At most {room.maxParticipants} people.
      </p>
      <button type="button" class="primary" onClick={props.onEnter}>
        Enter as host
      </button>
    </section>
  );
}

function LinkField(props: { id: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(props.value).then(() => setCopied(true), () => {});
  };
  return (
    <div class="link-field">
      <input id={props.id} readOnly value={props.value} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" onClick={copy}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
