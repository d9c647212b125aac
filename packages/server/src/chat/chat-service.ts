import type { Logger } from 'pino';
import { ErrorCodes, LecternError, MAX_CHAT_CHARS, chatLength, type ChatEntry, type ClientMessageOf } from '@lectern/protocol';
import type { Participant } from '../rooms/participant.js';
import type { Room } from '../rooms/room.js';
import type { ChatStore } from './chat-store.js';

/**
 * Chat in a session: checks a message, numbers and stores it once (a re-send after a
 * reconnect is recognised by the sender's message id), and delivers it to the whole session
 * or to the one addressee and the sender. The sender's own copy is its acknowledgement.
 */
export class ChatService {
  #pruner: NodeJS.Timeout;

  constructor(
    private readonly store: ChatStore,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#prune();
    this.#pruner = setInterval(() => this.#prune(), 10 * 60 * 1000);
    this.#pruner.unref();
  }

  /** Handles a `chat-send`. Throws LecternError (CHAT_TOO_LONG, PARTICIPANT_NOT_FOUND, NOT_ALLOWED, INTERNAL). */
  send(room: Room, sender: Participant, msg: ClientMessageOf<'chat-send'>): void {
    const earlier = this.store.find(room.code, sender.id, msg.id);
    if (earlier) {
      // Delivered before; the sender missed the acknowledgement. Confirm to it alone.
      sender.link.send({ type: 'chat', message: earlier });
      return;
    }
    const length = chatLength(msg.text);
    if (length > MAX_CHAT_CHARS) {
      throw new LecternError(ErrorCodes.CHAT_TOO_LONG, `a message can be at most ${MAX_CHAT_CHARS} characters; this one has ${length}`);
    }
    const to = msg.to ?? null;
    const addressee = to === null ? null : room.get(to);
    if (to !== null && !addressee) throw new LecternError(ErrorCodes.PARTICIPANT_NOT_FOUND, 'that person is no longer in the session');
    if (to === sender.id) throw new LecternError(ErrorCodes.NOT_ALLOWED, 'a private message needs someone else to go to');
    let entry: ChatEntry;
    try {
      entry = this.store.append(room.code, {
        id: msg.id,
        from: sender.id,
        fromName: sender.name,
        to,
        toName: addressee?.name ?? null,
        text: msg.text,
        at: this.now(),
      });
    } catch (err) {
      this.log.error({ err, code: room.code }, 'chat message could not be stored');
      throw new LecternError(ErrorCodes.INTERNAL, 'the message could not be saved; try again');
    }
    const message = { type: 'chat', message: entry } as const;
    if (addressee) {
      addressee.link.send(message);
      sender.link.send(message);
    } else {
      room.broadcast(message);
    }
  }

  /** What a participant may see of the session's chat, oldest first. */
  history(room: Room, participant: Participant): ChatEntry[] {
    try {
      return this.store.history(room.code, participant.id);
    } catch (err) {
      this.log.error({ err, code: room.code }, 'chat history could not be read');
      return [];
    }
  }

  close(): void {
    clearInterval(this.#pruner);
  }

  #prune(): void {
    try {
      const n = this.store.pruneExpired();
      if (n > 0) this.log.debug({ removed: n }, 'expired chat messages removed');
    } catch (err) {
      this.log.error({ err }, 'chat pruning failed');
    }
  }
}
