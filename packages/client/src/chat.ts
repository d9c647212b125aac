import {
  ErrorCodes,
  LecternError,
  MAX_CHAT_CHARS,
  chatLength,
  type ChatEntry,
  type ClientMessageOf,
  type ServerMessageOf,
} from '@lectern/protocol';
import { TypedEmitter } from './emitter.js';

/** Where a chat message is: waiting for the server, stored and delivered, or refused. */
export type ChatMessageState = 'sending' | 'sent' | 'failed';

/** A chat message as the UI shows it. */
export interface ChatMessage {
  /** The sender's id for the message; stable from the moment it is typed. */
  readonly id: string;
  /** The server's order number; null until the server has it. */
  readonly seq: number | null;
  readonly from: string;
  readonly fromName: string;
  /** Null for the whole session; otherwise the one participant it was sent to. */
  readonly to: string | null;
  readonly toName: string | null;
  readonly text: string;
  /** Server time (ms since 1970) once sent; the local time it was typed before that. */
  readonly at: number;
  readonly state: ChatMessageState;
  /** Why it failed, when `state` is `failed`. */
  readonly error: LecternError | null;
  /** True for messages this participant sent. */
  readonly mine: boolean;
}

/** Events of {@link Chat}: the single list. */
export type ChatEvents = {
  /** The list of messages changed (a message arrived, was confirmed or failed). */
  changed: [messages: readonly ChatMessage[]];
  /** Someone else's message arrived (for unread counts and notifications). */
  received: [message: ChatMessage];
};

/** What the chat needs from its room. */
export interface ChatHost {
  /** Sends when joined and connected; returns false otherwise (the message stays queued). */
  send(message: ClientMessageOf<'chat-send'>): boolean;
  self(): { id: string; name: string } | null;
  nameOf(participantId: string): string | null;
}

/** An incoming chat message of any kind. */
export type InboundChat = ServerMessageOf<'chat'> | ServerMessageOf<'chat-history'> | ServerMessageOf<'chat-error'>;

/**
 * The session's chat, seen from one participant: the same order for everyone (server
 * sequence numbers), history for late joiners, and an outbox. A message typed while the
 * connection is down stays `sending` and goes out once the room is back in the session;
 * the server recognises a re-send by its id, so it is delivered exactly once.
 */
export class Chat extends TypedEmitter<ChatEvents> {
  readonly #bySeq = new Map<number, ChatMessage>();
  /** Messages of ours the server has not confirmed (sending or failed), in the order typed. */
  readonly #outbox = new Map<string, ChatMessage>();
  #list: readonly ChatMessage[] = [];

  constructor(
    private readonly host: ChatHost,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Every message: confirmed ones in server order, then ours still sending or failed. */
  get messages(): readonly ChatMessage[] {
    return this.#list;
  }

  /**
   * Sends `text` to everyone, or privately to `to`. Returns the message at once, in state
   * `sending`. Throws LecternError CHAT_TOO_LONG, BAD_MESSAGE (empty) or INVALID_STATE.
   */
  send(text: string, options: { to?: string | null } = {}): ChatMessage {
    const self = this.host.self();
    if (!self) throw new LecternError(ErrorCodes.INVALID_STATE, 'join a session before chatting');
    checkChatText(text);
    const to = options.to ?? null;
    const message: ChatMessage = {
      id: newMessageId(),
      seq: null,
      from: self.id,
      fromName: self.name,
      to,
      toName: to === null ? null : this.host.nameOf(to),
      text,
      at: this.now(),
      state: 'sending',
      error: null,
      mine: true,
    };
    this.#outbox.set(message.id, message);
    this.#changed();
    this.#transmit(message);
    return message;
  }

  /** Sends a failed message again. */
  retry(id: string): void {
    const m = this.#outbox.get(id);
    if (!m || m.state !== 'failed') return;
    const again = { ...m, state: 'sending' as const, error: null };
    this.#outbox.set(id, again);
    this.#changed();
    this.#transmit(again);
  }

  /** Drops a failed message from the list. */
  discard(id: string): void {
    if (this.#outbox.get(id)?.state !== 'failed') return;
    this.#outbox.delete(id);
    this.#changed();
  }

  /** Applies a chat message from the server. For the Room. */
  handle(m: InboundChat): void {
    switch (m.type) {
      case 'chat':
        if (this.#accept(m.message)) this.#changed();
        return;
      case 'chat-history': {
        let any = false;
        for (const entry of m.messages) any = this.#accept(entry, true) || any;
        if (any) this.#changed();
        return;
      }
      case 'chat-error': {
        const pending = this.#outbox.get(m.id);
        if (!pending) return;
        this.#outbox.set(m.id, { ...pending, state: 'failed', error: new LecternError(m.code, m.message) });
        this.#changed();
        return;
      }
    }
  }

  /** Sends everything still queued; the room calls this each time it is (back) in the session. */
  flush(): void {
    for (const m of this.#outbox.values()) if (m.state === 'sending') this.#transmit(m);
  }

  /** Forgets everything (the room left the session). */
  reset(): void {
    this.#bySeq.clear();
    this.#outbox.clear();
    this.#changed();
  }

  #transmit(m: ChatMessage): void {
    this.host.send(m.to === null ? { type: 'chat-send', id: m.id, text: m.text } : { type: 'chat-send', id: m.id, to: m.to, text: m.text });
  }

  /** Records a stored message; returns false when it was already known. */
  #accept(entry: ChatEntry, fromHistory = false): boolean {
    if (this.#bySeq.has(entry.seq)) return false;
    const self = this.host.self();
    const mine = self !== null && entry.from === self.id;
    const message: ChatMessage = { ...entry, state: 'sent', error: null, mine };
    this.#bySeq.set(entry.seq, message);
    if (mine) this.#outbox.delete(entry.id);
    else if (!fromHistory) this.emit('received', message);
    return true;
  }

  #changed(): void {
    const sent = [...this.#bySeq.values()].sort((a, b) => a.seq! - b.seq!);
    this.#list = [...sent, ...this.#outbox.values()];
    this.emit('changed', this.#list);
  }
}

/** Checks a chat text against the limits; throws LecternError BAD_MESSAGE or CHAT_TOO_LONG. */
export function checkChatText(text: string): void {
  if (text.trim().length === 0) throw new LecternError(ErrorCodes.BAD_MESSAGE, 'the message is empty');
  const length = chatLength(text);
  if (length > MAX_CHAT_CHARS) {
    throw new LecternError(
      ErrorCodes.CHAT_TOO_LONG,
      `A message can be at most ${MAX_CHAT_CHARS.toLocaleString('en')} characters; this one has ${length.toLocaleString('en')}.`,
    );
  }
}

function newMessageId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
