import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { checkChatText, LecternError, MAX_CHAT_CHARS, chatLength, type ChatMessage, type Room } from '@lectern/client';
import { linkify } from './linkify.js';
import { describeError } from './words.js';

/** Counts messages from others that arrive while the panel is closed. */
export function useUnreadChat(room: Room, open: boolean): number {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (open) {
      setUnread(0);
      return;
    }
    return room.chat.on('received', () => setUnread((n) => n + 1));
  }, [room, open]);
  return unread;
}

/** The chat panel: messages in the session's order, private messages marked, and a composer. */
export function ChatPanel(props: { room: Room; onClose: () => void }) {
  const { room } = props;
  const [messages, setMessages] = useState<readonly ChatMessage[]>(room.chat.messages);
  const [text, setText] = useState('');
  const [to, setTo] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const [, setTick] = useState(0);

  useEffect(() => room.chat.on('changed', (list) => setMessages(list)), [room]);
  // The recipient list follows who is here.
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    const offs = [room.on('participantJoined', bump), room.on('participantLeft', bump)];
    return () => offs.forEach((off) => off());
  }, [room]);
  useEffect(() => inputRef.current?.focus(), []);
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length]);

  const participants = [...room.participants.values()];
  if (to && !room.participants.has(to)) setTo('');
  const length = chatLength(text);
  const tooLong = length > MAX_CHAT_CHARS;

  const send = () => {
    if (text.trim() === '') return;
    try {
      checkChatText(text);
      room.chat.send(text, { to: to || null });
      setText('');
      setError(null);
    } catch (err) {
      setError(err instanceof LecternError && err.code === 'CHAT_TOO_LONG' ? err.message : describeError(err));
    }
  };

  return (
    <aside class="chat" aria-label="Chat">
      <header class="chat-header">
        <h2>Chat</h2>
        <button type="button" class="link" onClick={props.onClose} aria-label="Close chat">
          Close
        </button>
      </header>
      <ol class="chat-list" ref={listRef} role="log" aria-live="polite" aria-label="Chat messages" data-testid="chat-list">
        {messages.length === 0 && <li class="muted-text chat-empty">No messages yet. Say hello!</li>}
        {messages.map((m) => (
          <ChatItem key={m.id} message={m} room={room} />
        ))}
      </ol>
      <form
        class="chat-compose"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <label for="chat-to">Send to</label>
        <select id="chat-to" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
          <option value="">Everyone</option>
          {participants.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} (private)
            </option>
          ))}
        </select>
        <label for="chat-text" class="visually-hidden">
          Message
        </label>
        <textarea
          id="chat-text"
          ref={inputRef}
          rows={2}
          value={text}
          placeholder={to ? 'Private message…' : 'Message everyone…'}
          aria-invalid={tooLong}
          aria-describedby="chat-help"
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <div class="chat-help" id="chat-help">
          {tooLong ? (
            <span class="chat-too-long" role="alert">
              Too long: {length.toLocaleString('en')} of {MAX_CHAT_CHARS.toLocaleString('en')} characters.
            </span>
          ) : length > MAX_CHAT_CHARS - 500 ? (
            <span>
              {length.toLocaleString('en')} / {MAX_CHAT_CHARS.toLocaleString('en')}
            </span>
          ) : (
            <span class="muted-text">Enter sends, Shift+Enter adds a line</span>
          )}
          <button type="submit" class="primary" disabled={tooLong || text.trim() === ''} aria-label="Send message">
            Send
          </button>
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </aside>
  );
}

function ChatItem(props: { message: ChatMessage; room: Room }) {
  const m = props.message;
  const time = new Date(m.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const privateTo = m.to === null ? null : m.mine ? `to ${m.toName ?? 'someone'}` : 'to you';
  return (
    <li class={`chat-item${m.mine ? ' mine' : ''}${m.to ? ' private' : ''}`} data-testid="chat-message" data-seq={m.seq ?? ''} data-state={m.state}>
      <div class="chat-meta">
        <span class="chat-from">{m.mine ? 'You' : m.fromName}</span>
        {privateTo && <span class="chat-private">(private, {privateTo})</span>}
        <time dateTime={new Date(m.at).toISOString()}>{time}</time>
      </div>
      <p class="chat-text" data-testid="chat-text">
        {linkify(m.text).map((part, i) =>
          part.kind === 'link' ? (
            <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
              {part.text}
            </a>
          ) : (
            part.text
          ),
        )}
      </p>
      {m.state === 'sending' && <div class="chat-state muted-text">sending…</div>}
      {m.state === 'failed' && (
        <div class="chat-state chat-failed" role="alert">
          Not sent: {m.error ? describeError(m.error) : 'unknown problem'}{' '}
          <button type="button" class="link" onClick={() => props.room.chat.retry(m.id)} aria-label="Retry sending this message">
            Retry
          </button>{' '}
          <button type="button" class="link" onClick={() => props.room.chat.discard(m.id)} aria-label="Discard this message">
            Discard
          </button>
        </div>
      )}
    </li>
  );
}
