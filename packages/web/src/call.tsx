import { useState } from 'preact/hooks';
import { ChatPanel, useUnreadChat } from './chat.js';
import type { LocalMedia, Room } from '@lectern/client';
import { useRoomEvents } from './hooks.js';
import { Files } from './files.js';
import { sessionLink } from './route.js';
import { Icon } from './icons.js';
import { ScreenStage, ShareScreenButton, SharingBanner, useScreenShares } from './presenter.js';
import { ServerStatus } from './status.js';
import { Tile } from './tile.js';

/** The call: everyone's tiles, the session code and link, and the controls. */
export function Call(props: { room: Room; media: LocalMedia; mediaNotice: string | null; onLeave: () => void }) {
  const { room, media } = props;
  useRoomEvents(room, ['stateChanged', 'participantJoined', 'participantLeft', 'participantUpdated', 'localUpdated', 'audioLevels']);
  const [copied, setCopied] = useState(false);
  const [notice, setNotice] = useState<string | null>(props.mediaNotice);
  const [chatOpen, setChatOpen] = useState(false);
  const unread = useUnreadChat(room, chatOpen);
  const code = room.code ?? '';
  const link = sessionLink(code);
  const local = room.localParticipant;
  const remotes = [...room.participants.values()];
  const count = remotes.length + 1;
  // While someone shares: the presenter layout, their screen large and the cameras in a strip.
  const screens = useScreenShares(remotes);
  const layout = screens.shown ? 'presenter' : 'grid';

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
      {screens.shown && <ScreenStage sharers={screens.sharers} shown={screens.shown} onShow={screens.show} />}
      <section class={layout === 'grid' ? `grid n${Math.min(count, 9)}` : 'strip'} aria-label="Participants">
        {local && (
          <Tile
            id={local.id}
            name={local.name}
            stream={media.videoTrack ? media.stream : null}
            muted={media.muted}
            cameraOff={media.cameraOff}
            speaking={local.speaking}
            audioLevel={local.audioLevel}
            isLocal
          />
        )}
        {remotes.map((p) => (
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
            onVideoSize={videoSizeReporter(room, p.id)}
          />
        ))}
      </section>
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
