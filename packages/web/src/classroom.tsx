import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { RemoteParticipant, Room } from '@lectern/client';
import { REACTION_NAMES, describeNotice } from './classroom-words.js';
import { Icon } from './icons.js';
import { describeError } from './words.js';

/** How long a reaction stays on a tile. */
const REACTION_MS = 4000;

/**
 * The classroom side of a call, re-rendered on every control change: the controls' state,
 * the latest notice in words, and the reactions showing on tiles now (participant id → emoji).
 */
export function useClassroom(room: Room): { notice: string | null; dismiss: () => void; reactions: ReadonlyMap<string, string> } {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const [notice, setNotice] = useState<string | null>(null);
  const reactions = useRef(new Map<string, string>());
  useEffect(() => {
    const m = room.moderation;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const offs = [
      m.on('changed', () => bump(undefined)),
      room.on('localUpdated', () => bump(undefined)),
      m.on('notice', (n) => setNotice(describeNotice(n, room.localParticipant?.id ?? null))),
      m.on('reaction', (from, emoji) => {
        reactions.current.set(from, emoji);
        bump(undefined);
        const t = setTimeout(() => {
          timers.delete(t);
          if (reactions.current.get(from) === emoji) reactions.current.delete(from);
          bump(undefined);
        }, REACTION_MS);
        timers.add(t);
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      timers.forEach((t) => clearTimeout(t));
    };
  }, [room]);
  return { notice, dismiss: () => setNotice(null), reactions: reactions.current };
}

/** Runs a control; a refusal comes back as plain words. */
function attempt(action: () => void, onError: (message: string) => void): void {
  try {
    action();
  } catch (err) {
    onError(describeError(err));
  }
}

/** The host menu on a remote tile: mute, camera off, stop share, roles, spotlight, hand, remove. */
export function HostMenu(props: { room: Room; target: RemoteParticipant; onError: (message: string) => void }) {
  const { room, target } = props;
  const m = room.moderation;
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) menu.current?.querySelector('button')?.focus();
  }, [open]);
  const myRole = room.localParticipant?.role;
  if (!m.isHost || (target.role === 'host' && myRole !== 'host')) return null;
  const name = target.name;
  const spot = m.state.spotlight;
  const handUp = m.state.hands.some((h) => h.participantId === target.id);
  const run = (action: () => void) => () => {
    setOpen(false);
    attempt(action, props.onError);
  };
  const items: Array<[label: string, action: () => void, show: boolean]> = [
    [`Mute ${name}`, () => m.mute(target.id), !target.muted],
    [`Turn off ${name}'s camera`, () => m.turnCameraOff(target.id), !target.cameraOff],
    [`Stop ${name}'s screen share`, () => m.stopScreenShare(target.id), !!target.screen],
    [`Lower ${name}'s hand`, () => m.lowerHand(target.id), handUp],
    [`Spotlight ${name}`, () => m.spotlight({ participantId: target.id, screen: false }), spot?.participantId !== target.id || spot.screen],
    [`Spotlight ${name}'s screen`, () => m.spotlight({ participantId: target.id, screen: true }), !!target.screen && !(spot?.participantId === target.id && spot.screen)],
    ['Remove spotlight', () => m.spotlight(null), spot?.participantId === target.id],
    [`Make ${name} a co-host`, () => m.setCohost(target.id, true), myRole === 'host' && target.role === 'participant'],
    [`Take away ${name}'s co-host role`, () => m.setCohost(target.id, false), myRole === 'host' && target.role === 'cohost'],
    [`Make ${name} the host`, () => m.makeHost(target.id), myRole === 'host'],
    [`Remove ${name} from the session`, () => m.remove(target.id), true],
  ];
  return (
    <div class="host-menu" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" class="tile-menu-button" aria-haspopup="true" aria-expanded={open} aria-label={`Host controls for ${name}`} onClick={() => setOpen(!open)}>
        <Icon name="more" />
      </button>
      {open && (
        <div class="menu" role="group" aria-label={`Host controls for ${name}`} ref={menu}>
          {items
            .filter(([, , show]) => show)
            .map(([label, action]) => (
              <button type="button" key={label} class={label.startsWith('Remove ') && label.endsWith('session') ? 'danger' : ''} onClick={run(action)}>
                {label}
              </button>
            ))}
        </div>
      )}
    </div>
  );
}

/** Session-wide host controls: mute everyone, lock, waiting room. */
export function SessionControls(props: { room: Room; onError: (message: string) => void }) {
  const m = props.room.moderation;
  if (!m.isHost) return null;
  const { locked, lobby } = m.state;
  return (
    <div class="session-controls" role="group" aria-label="Host controls for the session">
      <button type="button" onClick={() => attempt(() => m.muteAll(), props.onError)}>
        <Icon name="micOff" /> Mute everyone
      </button>
      <button type="button" aria-pressed={locked} onClick={() => attempt(() => m.setLocked(!locked), props.onError)}>
        {locked ? 'Unlock session' : 'Lock session'}
      </button>
      <button type="button" aria-pressed={lobby} onClick={() => attempt(() => m.setLobby(!lobby), props.onError)}>
        {lobby ? 'Turn waiting room off' : 'Turn waiting room on'}
      </button>
    </div>
  );
}

/** For hosts: who waits in the lobby, with admit and deny; and the raised-hand queue. */
export function HostPanels(props: { room: Room; onError: (message: string) => void }) {
  const m = props.room.moderation;
  if (!m.isHost) return null;
  const { waiting, hands } = m.state;
  return (
    <>
      {waiting.length > 0 && (
        <section class="panel lobby" aria-label="Waiting room" data-testid="lobby-panel">
          <h2>
            <span role="status">{waiting.length === 1 ? '1 person is' : `${waiting.length} people are`} waiting to join</span>
          </h2>
          <ul>
            {waiting.map((w) => (
              <li key={w.id} data-testid="lobby-entry">
                <span class="name">{w.name}</span>
                <button type="button" class="primary" aria-label={`Admit ${w.name}`} onClick={() => attempt(() => m.admit(w.id), props.onError)}>
                  Admit
                </button>
                <button type="button" aria-label={`Deny ${w.name}`} onClick={() => attempt(() => m.deny(w.id), props.onError)}>
                  Deny
                </button>
              </li>
            ))}
          </ul>
          {waiting.length > 1 && (
            <button type="button" onClick={() => attempt(() => m.admitAll(), props.onError)}>
              Admit everyone
            </button>
          )}
        </section>
      )}
      {hands.length > 0 && (
        <section class="panel hands" aria-label="Raised hands">
          <h2>Raised hands</h2>
          <ol data-testid="hand-queue">
            {hands.map((h) => (
              <li key={h.participantId} data-testid="hand-entry" data-participant-id={h.participantId}>
                <span class="name">{h.name}</span>
                <button type="button" aria-label={`Lower ${h.name}'s hand`} onClick={() => attempt(() => m.lowerHand(h.participantId), props.onError)}>
                  Lower
                </button>
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}

/** Raise or lower one's own hand. */
export function RaiseHandButton(props: { room: Room; onError: (message: string) => void }) {
  const m = props.room.moderation;
  const raised = m.handRaised;
  return (
    <button type="button" aria-pressed={raised} onClick={() => attempt(() => m.raiseHand(!raised), props.onError)} aria-label={raised ? 'Lower your hand' : 'Raise your hand'}>
      <Icon name="hand" /> {raised ? 'Lower hand' : 'Raise hand'}
    </button>
  );
}

/** A button that opens the reaction picker. Reactions are user content: shown as text. */
export function ReactionsButton(props: { room: Room; onError: (message: string) => void }) {
  const m = props.room.moderation;
  const [open, setOpen] = useState(false);
  return (
    <div class="reactions-picker" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" aria-expanded={open} aria-label="Send a reaction" onClick={() => setOpen(!open)}>
        <Icon name="smile" /> React
      </button>
      {open && (
        <div class="menu" role="group" aria-label="Reactions">
          {m.reactions.map((emoji) => (
            <button
              type="button"
              key={emoji}
              class="emoji"
              aria-label={`React with ${REACTION_NAMES[emoji]}`}
              onClick={() => {
                setOpen(false);
                attempt(() => m.react(emoji), props.onError);
              }}
            >
              {emoji}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The joiner's screen while the host decides. */
export function WaitingScreen(props: { onLeave: () => void }) {
  return (
    <main class="home waiting" data-testid="waiting-screen">
      <div role="status">
        <h1>Waiting for the host to let you in</h1>
      </div>
      <p class="lead">The host has turned on the waiting room. You will join as soon as they let you in.</p>
      <button type="button" onClick={props.onLeave}>
        Leave the waiting room
      </button>
    </main>
  );
}
