import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ErrorCodes,
  LecternError,
  checkBrowserSupport,
  createBrowserMedia,
  createBrowserRoom,
  credentialsFromLink,
  tokenName,
  type LocalMedia,
  type Room,
} from '@lectern/client';
import { Call } from './call.js';
import { WaitingScreen } from './classroom.js';
import { Home } from './home.js';
import { useRoomEvents } from './hooks.js';
import { PreJoin } from './prejoin.js';
import { codeFromLocation, navigate, rememberName } from './route.js';
import { describeError, describeMediaProblems } from './words.js';

type View =
  | { kind: 'home' }
  | { kind: 'prejoin'; code: string }
  | { kind: 'call' }
  | { kind: 'left'; code: string }
  | { kind: 'ended'; code: string; message: string };

/** Test and debugging hook: the live Room and media of this tab. */
declare global {
  interface Window {
    lectern?: { room: Room; media: LocalMedia | null };
  }
}

/** Where this tab keeps its identity, so a reload or "Rejoin" comes back as the same person. */
const IDENTITY_KEY = 'lectern:identity';

function newRoom(): Room {
  const search = new URLSearchParams(location.search);
  const policy = search.get('ice') === 'relay' ? 'relay' : 'all';
  // `?video-codec=h264` sends the camera as H.264 through the SFU (VP8 otherwise).
  const codec = search.get('video-codec');
  let identity: string | null = null;
  try {
    identity = sessionStorage.getItem(IDENTITY_KEY);
  } catch {
    // storage blocked: every visit is a new participant
  }
  const room = createBrowserRoom({ iceTransportPolicy: policy, identity, ...(codec === 'h264' || codec === 'vp8' ? { videoCodec: codec } : {}) });
  // `joined` makes the identity; localUpdated follows it.
  room.on('localUpdated', () => {
    if (room.state !== 'joined' || !room.identity) return;
    try {
      sessionStorage.setItem(IDENTITY_KEY, room.identity);
    } catch {
      // as above
    }
  });
  return room;
}

/** The name in the link's join token, if it has one. */
function tokenNameOf(url: Location): string | null {
  const { token } = credentialsFromLink(url);
  return token ? tokenName(token) : null;
}

/** The whole app: one Room per visit, views for each step. */
export function App() {
  const [unsupported] = useState(() => checkBrowserSupport());
  const [room, setRoom] = useState<Room>(() => newRoom());
  const [media, setMedia] = useState<LocalMedia | null>(null);
  const [mediaNotice, setMediaNotice] = useState<string | null>(null);
  const [view, setView] = useState<View>(() => {
    const code = codeFromLocation();
    return code ? { kind: 'prejoin', code } : { kind: 'home' };
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The server said this session needs a password: the pre-join screen asks for it.
  const [askPassword, setAskPassword] = useState(false);
  /** Set when the user leaves the waiting room: the join that ends then is no error. */
  const leftLobby = useRef(false);
  useRoomEvents(room, ['stateChanged']);

  useEffect(() => {
    if (unsupported) return;
    window.lectern = { room, media };
  }, [room, media, unsupported]);

  useEffect(() => {
    if (unsupported) return;
    room.connect().catch(() => {});
    const offEnded = room.on('sessionEnded', (e) => {
      // A removal names who did it ("You were removed from the session by Ana").
      setView({ kind: 'ended', code: room.code ?? '', message: e.code === 'REMOVED' ? e.message : describeError(e) });
    });
    // Closing the tab says goodbye at once instead of waiting for a timeout.
    const bye = () => room.close();
    addEventListener('pagehide', bye);
    return () => {
      offEnded();
      removeEventListener('pagehide', bye);
    };
  }, [room, unsupported]);

  useEffect(() => {
    const onPop = () => {
      const code = codeFromLocation();
      if (view.kind === 'call') return;
      setError(null);
      setView(code ? { kind: 'prejoin', code } : { kind: 'home' });
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, [view]);

  // The pre-join screen needs the camera open for the preview.
  useEffect(() => {
    if (view.kind !== 'prejoin' || media) return;
    const m = createBrowserMedia();
    setMedia(m);
    void m.start().then(({ problems }) => setMediaNotice(describeMediaProblems(problems, !!m.audioTrack, !!m.videoTrack)));
  }, [view, media]);

  // Make the first connection's offer while the person looks at the preview: Join is faster.
  useEffect(() => {
    if (view.kind === 'prejoin' && media) room.prepare(media);
  }, [view.kind, media, room]);

  if (unsupported) {
    return (
      <main class="home">
        <h1>Lectern</h1>
        <p class="error" role="alert">
          {describeError(unsupported)}
        </p>
      </main>
    );
  }

  /** Joins `code`, or a new session (with `password`, if given) when null. */
  const startCall = async (code: string | null, name: string, m: LocalMedia, password?: string) => {
    setBusy(true);
    setError(null);
    leftLobby.current = false;
    rememberName(name);
    try {
      const target = code ?? (await room.createSession({ ...(password ? { password } : {}) }));
      await room.join(target, { name, media: m, ...(code ? credentialsFromLink(location) : {}), ...(password ? { password } : {}) });
      navigate(target);
      setAskPassword(false);
      setView({ kind: 'call' });
    } catch (err) {
      const failure = err instanceof LecternError ? err.code : null;
      if (failure === ErrorCodes.PASSWORD_REQUIRED || failure === ErrorCodes.WRONG_PASSWORD) setAskPassword(true);
      if (!leftLobby.current) setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const freshStart = (next: View) => {
    media?.close();
    setMedia(null);
    setMediaNotice(null);
    room.close();
    setRoom(newRoom());
    setError(null);
    setAskPassword(false);
    navigate(next.kind === 'prejoin' ? next.code : null, next.kind === 'prejoin' ? location.hash : '');
    setView(next);
  };

  // The lobby: join() is still waiting for a host to let us in.
  if (room.state === 'waiting') {
    return (
      <WaitingScreen
        onLeave={() => {
          leftLobby.current = true;
          room.leave();
        }}
      />
    );
  }

  switch (view.kind) {
    case 'home':
      return (
        <Home
          roomState={room.state}
          error={error}
          busy={busy}
          onJoinCode={(code) => {
            setError(null);
            navigate(code);
            setView({ kind: 'prejoin', code });
          }}
          onCreate={async (name, password) => {
            const m = media ?? createBrowserMedia();
            setMedia(m);
            const { problems } = await m.start();
            setMediaNotice(describeMediaProblems(problems, !!m.audioTrack, !!m.videoTrack));
            await startCall(null, name, m, password);
          }}
          onCreateClassRoom={(settings) => room.createClassRoom(settings)}
          onEnterClassRoom={(created) => {
            setError(null);
            navigate(created.code, `#host=${encodeURIComponent(created.hostKey)}`);
            setView({ kind: 'prejoin', code: created.code });
          }}
        />
      );
    case 'prejoin':
      return media ? (
        <PreJoin
          code={view.code}
          media={media}
          mediaNotice={mediaNotice}
          roomState={room.state}
          error={error}
          busy={busy}
          askPassword={askPassword}
          fixedName={tokenNameOf(location)}
          onJoin={(name, password) => void startCall(view.code, name, media, password)}
          onHome={() => freshStart({ kind: 'home' })}
        />
      ) : null;
    case 'call':
      return media ? (
        <Call
          room={room}
          media={media}
          mediaNotice={mediaNotice}
          onLeave={() => {
            const code = room.code ?? '';
            room.leave();
            media.close();
            setMedia(null);
            setView({ kind: 'left', code });
          }}
        />
      ) : null;
    case 'left':
    case 'ended':
      return (
        <main class="home">
          <h1>{view.kind === 'left' ? 'You left the session' : 'The session ended'}</h1>
          {view.kind === 'ended' && (
            <p class="error" role="alert">
              {view.message}
            </p>
          )}
          <div class="row">
            <button type="button" class="primary" onClick={() => freshStart({ kind: 'prejoin', code: view.code })}>
              Rejoin
            </button>
            <button type="button" onClick={() => freshStart({ kind: 'home' })}>
              Back to the start page
            </button>
          </div>
        </main>
      );
  }
}
