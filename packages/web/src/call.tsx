import { useState } from 'preact/hooks';
import { ChatPanel, useUnreadChat } from './chat.js';
import type { LocalMedia, RemoteParticipant, Room } from '@lectern/client';
import { HostMenu, HostPanels, RaiseHandButton, ReactionsButton, SessionControls, useClassroom } from './classroom.js';
import { useRoomEvents } from './hooks.js';
import { Files } from './files.js';
import { sessionLink } from './route.js';
import { Icon } from './icons.js';
import { ScreenStage, ShareScreenButton, SharingBanner, useScreenShares } from './presenter.js';
import { ServerStatus } from './status.js';
import { Tile } from './tile.js';

/** Tiles on one page of the grid (and of the strip beside a shared screen). */
const PAGE_SIZE = 9;

/** The call: everyone's tiles, the session code and link, and the controls. */
export function Call(props: { room: Room; media: LocalMedia; mediaNotice: string | null; onLeave: () => void }) {
  const { room, media } = props;
  useRoomEvents(room, ['stateChanged', 'participantJoined', 'participantLeft', 'participantUpdated', 'localUpdated', 'audioLevels']);
  const [copied, setCopied] = useState(false);
  const [notice, setNotice] = useState<string | null>(props.mediaNotice);
  const [chatOpen, setChatOpen] = useState(false);
  const [page, setPage] = useState(0);
  const unread = useUnreadChat(room, chatOpen);
  const classroom = useClassroom(room);
  const controls = room.moderation.state;
  const code = room.code ?? '';
  const link = sessionLink(code);
  const local = room.localParticipant;
  const remotes = [...room.participants.values()];
  const count = remotes.length + 1;
  // While someone shares: the presenter layout, their screen large and the cameras in a strip.
  // A host's spotlight wins: that screen large, or that person's camera large.
  const screens = useScreenShares(remotes);
  const spot = controls.spotlight;
  const shownScreen = (spot?.screen ? remotes.find((p) => p.id === spot.participantId && p.screen) : undefined) ?? screens.shown;
  const spotCamera = spot && !spot.screen && count > 1 && (spot.participantId === local?.id || room.participants.has(spot.participantId)) ? spot.participantId : null;
  const layout = shownScreen ? 'presenter' : spotCamera ? 'spotlight' : 'grid';
  const hands = new Set(controls.hands.map((h) => h.participantId));
  const remoteTile = (p: RemoteParticipant) => (
    <Tile
      key={p.id}
      id={p.id}
      name={p.name}
      stream={p.stream}
      muted={p.muted}
      cameraOff={p.cameraOff}
      speaking={p.speaking}
      audioLevel={p.audioLevel}
      isLocal={false}
      connection={p.connection === 'connected' ? undefined : p.connection}
      role={p.role}
      handRaised={hands.has(p.id)}
      reaction={classroom.reactions.get(p.id)}
      menu={<HostMenu room={room} target={p} onError={setNotice} />}
      onVideoSize={videoSizeReporter(room, p.id)}
    />
  );
  const localTile = local && (
    <Tile
      id={local.id}
      name={local.name}
      stream={media.videoTrack ? media.stream : null}
      muted={media.muted}
      cameraOff={media.cameraOff}
      speaking={local.speaking}
      audioLevel={local.audioLevel}
      isLocal
      role={local.role}
      handRaised={hands.has(local.id)}
      reaction={classroom.reactions.get(local.id)}
    />
  );
  const staged = layout === 'spotlight' ? spotCamera : null;
  const spotlit = staged === null ? null : staged === local?.id ? localTile : remoteTile(room.participants.get(staged)!);
  // A large class is paged: only one page of tiles exists, and tiles not shown report no video
  // size, so through the SFU their video is not downloaded at all.
  const tiles = [...(staged !== local?.id && localTile ? [localTile] : []), ...remotes.filter((p) => p.id !== staged).map(remoteTile)];
  const pages = Math.max(1, Math.ceil(tiles.length / PAGE_SIZE));
  const shownPage = Math.min(page, pages - 1);
  const pageTiles = tiles.slice(shownPage * PAGE_SIZE, (shownPage + 1) * PAGE_SIZE);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setNotice(`Copy this link: ${link}`);
    }
  };
  const toggleCamera = async () => {
    try {
      await room.setCameraOff(!media.cameraOff);
    } catch {
      setNotice('The camera could not be turned on. Check that no other program is using it.');
    }
  };

  return (
    <main class="call" data-layout={layout}>
      <header class="call-header">
        <div>
          <span class="muted-text">Session</span> <code data-testid="session-code">{code}</code>
          <span class="muted-text"> · {count} {count === 1 ? 'person' : 'people'}</span>
        </div>
        <button type="button" onClick={() => void copy()} aria-label="Copy invite link">
          {copied ? 'Link copied' : 'Copy link'}
        </button>
      </header>
      <ServerStatus state={room.state} />
      {classroom.notice && (
        <p class="notice" role="status" data-testid="moderation-notice">
          {classroom.notice}{' '}
          <button type="button" class="link" onClick={classroom.dismiss} aria-label="Dismiss host notice">
            Dismiss
          </button>
        </p>
      )}
      <SessionControls room={room} onError={setNotice} />
      <HostPanels room={room} onError={setNotice} />
      {notice && (
        <p class="notice" role="status">
          {notice}{' '}
          <button type="button" class="link" onClick={() => setNotice(null)} aria-label="Dismiss notice">
            Dismiss
          </button>
        </p>
      )}
      <SharingBanner room={room} />
      <div class={`call-body${chatOpen ? ' with-chat' : ''}`}>
      <div class="call-main">
      {shownScreen && <ScreenStage sharers={screens.sharers} shown={shownScreen} onShow={screens.show} />}
      {spotlit && (
        <section class="stage spotlight-stage" aria-label="Spotlight" data-testid="spotlight-stage" data-participant-id={staged ?? ''}>
          {spotlit}
        </section>
      )}
      <section class={layout === 'grid' ? `grid n${Math.min(count, PAGE_SIZE)}` : 'strip'} aria-label="Participants">
        {pageTiles}
      </section>
      {pages > 1 && (
        <nav class="pager" aria-label="Pages of participants">
          <button type="button" onClick={() => setPage(shownPage - 1)} disabled={shownPage === 0} aria-label="Previous page of participants">
            ‹
          </button>
          <span data-testid="page-indicator">
            Page {shownPage + 1} of {pages}
          </span>
          <button type="button" onClick={() => setPage(shownPage + 1)} disabled={shownPage === pages - 1} aria-label="Next page of participants">
            ›
          </button>
        </nav>
      )}
      </div>
      {chatOpen && <ChatPanel room={room} onClose={() => setChatOpen(false)} />}
      </div>
      {remotes.length === 0 && (
        <p class="invite">
          You are the only one here. Share the code <code>{code}</code> or the link:{' '}
          <a href={link} onClick={(e) => e.preventDefault()}>
            {link}
          </a>
        </p>
      )}
      <Files room={room} />
      <nav class="controls" aria-label="Call controls">
        <button
          type="button"
          aria-pressed={media.muted}
          disabled={!media.audioTrack}
          onClick={() => room.setMuted(!media.muted)}
          aria-label={media.muted ? 'Unmute microphone' : 'Mute microphone'}
        >
          <Icon name={media.muted ? 'micOff' : 'mic'} /> {media.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          type="button"
          aria-pressed={media.cameraOff}
          onClick={() => void toggleCamera()}
          aria-label={media.cameraOff ? 'Turn camera on' : 'Turn camera off'}
        >
          <Icon name={media.cameraOff ? 'cameraOff' : 'camera'} /> {media.cameraOff ? 'Start video' : 'Stop video'}
        </button>
        <button
          type="button"
          aria-pressed={chatOpen}
          onClick={() => setChatOpen(!chatOpen)}
          aria-label={chatOpen ? 'Close chat' : unread > 0 ? `Open chat, ${unread} unread` : 'Open chat'}
        >
          <Icon name="chat" /> Chat
          {unread > 0 && !chatOpen && (
            <span class="badge" data-testid="chat-unread">
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </button>
        <ShareScreenButton room={room} onError={setNotice} />
        <RaiseHandButton room={room} onError={setNotice} />
        <ReactionsButton room={room} onError={setNotice} />
        <button type="button" class="danger" onClick={props.onLeave} aria-label="Leave session">
          Leave
        </button>
      </nav>
    </main>
  );
}

/** One stable callback per participant, so a tile's size observer is not re-made on every render. */
const reporters = new WeakMap<Room, Map<string, (height: number) => void>>();
function videoSizeReporter(room: Room, participantId: string): (height: number) => void {
  let byId = reporters.get(room);
  if (!byId) reporters.set(room, (byId = new Map()));
  let fn = byId.get(participantId);
  if (!fn) byId.set(participantId, (fn = (height) => room.reportVideoSize(participantId, height)));
  return fn;
}
