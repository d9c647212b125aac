import { useEffect, useRef, useState } from 'preact/hooks';
import type { RemoteParticipant, Room } from '@lectern/client';
import { useVideoStream } from './hooks.js';
import { Icon } from './icons.js';
import { describeError } from './words.js';

/**
 * Who shares a screen, oldest share first, and whose screen this viewer shows large. A new
 * share comes to the front; when the shown one stops, the newest remaining share takes over.
 * The viewer's own pick sticks until that share stops.
 */
export function useScreenShares(remotes: RemoteParticipant[]): {
  sharers: RemoteParticipant[];
  shown: RemoteParticipant | null;
  show: (id: string) => void;
} {
  const order = useRef<string[]>([]);
  const [picked, setPicked] = useState<string | null>(null);
  const sharing = new Set(remotes.filter((p) => p.screen).map((p) => p.id));
  const added = [...sharing].filter((id) => !order.current.includes(id));
  order.current = [...order.current.filter((id) => sharing.has(id)), ...added];
  const sharers = order.current.map((id) => remotes.find((p) => p.id === id)!);
  // A share that just started is shown, unless the viewer picked one that is still on.
  const newest = added.length > 0 ? added[added.length - 1]! : null;
  useEffect(() => {
    if (newest) setPicked(newest);
  }, [newest]);
  const current = newest ?? (picked && sharing.has(picked) ? picked : (order.current[order.current.length - 1] ?? null));
  return { sharers, shown: sharers.find((p) => p.id === current) ?? null, show: setPicked };
}

/**
 * The large part of the presenter layout: the shown screen, a picker when several people
 * share, and the sound of the screens not shown large.
 */
export function ScreenStage(props: { sharers: RemoteParticipant[]; shown: RemoteParticipant; onShow: (id: string) => void }) {
  const { sharers, shown: p } = props;
  const ref = useVideoStream(p.screenStream);
  const label = `${p.name}'s screen`;
  return (
    <section class="stage" aria-label={label} data-testid="screen-stage" data-participant-id={p.id}>
      <div class="stage-screen">
        <video ref={ref} autoplay playsInline class={p.screenStream ? '' : 'hidden'} aria-label={label} data-testid="screen-video" />
        {!p.screenStream && (
          <p class="stage-wait" role="status">
            Connecting to {p.name}'s screen…
          </p>
        )}
      </div>
      {sharers.length > 1 && (
        <div class="screen-picker" role="group" aria-label="Choose which shared screen to show large">
          {sharers.map((s) => (
            <button
              type="button"
              key={s.id}
              aria-pressed={s === p}
              onClick={() => props.onShow(s.id)}
              aria-label={`Show ${s.name}'s screen`}
              data-testid="screen-choice"
              data-participant-id={s.id}
            >
              <Icon name="screen" /> {s.name}
            </button>
          ))}
        </div>
      )}
      {sharers.filter((s) => s !== p && s.screen?.audio).map((s) => <ScreenAudio key={s.id} stream={s.screenStream} />)}
    </section>
  );
}

function ScreenAudio(props: { stream: MediaStream | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && el.srcObject !== props.stream) el.srcObject = props.stream;
    if (el && props.stream) void el.play().catch(() => {});
  });
  return <audio ref={ref} autoplay aria-hidden="true" />;
}

/** The "Share screen" / "Stop sharing" control; failures come back as plain words. */
export function ShareScreenButton(props: { room: Room; onError: (message: string) => void }) {
  const { room } = props;
  const [busy, setBusy] = useState(false);
  const sharing = room.localScreen !== null;
  const available = room.screenShareAvailable;
  const toggle = async () => {
    if (sharing) {
      room.stopScreenShare();
      return;
    }
    setBusy(true);
    try {
      await room.shareScreen();
    } catch (err) {
      props.onError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      class="share"
      aria-pressed={sharing}
      disabled={busy || (!available && !sharing)}
      title={available ? undefined : 'Screen sharing is not available in this session'}
      onClick={() => void toggle()}
      aria-label={sharing ? 'Stop sharing screen' : available ? 'Share screen' : 'Share screen (not available in this session)'}
    >
      <Icon name="screen" /> {sharing ? 'Stop sharing' : 'Share screen'}
    </button>
  );
}

/** Tells the sharer that everyone sees their screen (the control bar has the stop button). */
export function SharingBanner(props: { room: Room }) {
  if (!props.room.localScreen) return null;
  return (
    <p class="banner sharing" role="status" data-testid="sharing-banner">
      <Icon name="screen" /> You are sharing your screen with everyone. Use <strong>Stop sharing</strong> below, or the browser's own bar, to stop.
    </p>
  );
}
