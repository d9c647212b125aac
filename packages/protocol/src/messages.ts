import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { SESSION_CODE_PATTERN } from './session-code.js';
import { ClassRoomNameSchema, DisplayNameSchema, HostKeySchema, ParticipantIdSchema, RoleSchema } from './primitives.js';
import { MODERATION_CLIENT_SCHEMAS, MODERATION_SERVER_SCHEMAS } from './moderation.js';

export { ClassRoomNameSchema, DisplayNameSchema, HostKeySchema, ParticipantIdSchema, RoleSchema, type Role } from './primitives.js';

// ---- Shared pieces -------------------------------------------------------------------

/** Canonical session code, `abc-defg-hjk`. */
export const SessionCodeSchema = z.string().regex(SESSION_CODE_PATTERN, 'invalid session code');
/** What a participant is sending: microphone muted, camera off. */
export const MediaStateSchema = z.object({ muted: z.boolean(), cameraOff: z.boolean() });
/**
 * A screen being shared: `streamId` is the media stream id (the `msid` in SDP) the screen's
 * tracks are sent under, so receivers can tell them from the camera; `audio` says whether
 * the screen's sound is shared too.
 */
export const ScreenShareInfoSchema = z.object({
  streamId: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'invalid stream id'),
  audio: z.boolean(),
});
/** A participant as every other member of the session sees it. */
export const ParticipantInfoSchema = z.object({
  id: ParticipantIdSchema,
  name: DisplayNameSchema,
  muted: z.boolean(),
  cameraOff: z.boolean(),
  /** What they may do in the session; granted by the server only. */
  role: RoleSchema,
  /** The screen they share; absent or null when they share none. */
  screen: ScreenShareInfoSchema.nullable().optional(),
});
/** An RTCIceServer as handed to browsers. */
export const IceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
/** A trickled ICE candidate (RTCIceCandidateInit); `null` marks end of candidates. */
export const IceCandidateSchema = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
const Sdp = z.string().min(1).max(60_000);

/** Most characters (Unicode code points) in one chat message. */
export const MAX_CHAT_CHARS = 4000;
/** A client's own id for a chat message, so a re-send after a reconnect is recognised. */
export const ChatMessageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'invalid chat message id');
/**
 * A chat message as the server stores and delivers it. `seq` orders a session's chat the
 * same way for everyone; `to` is null for the whole session, or the one addressee.
 */
export const ChatEntrySchema = z.object({
  seq: z.number().int().positive(),
  id: ChatMessageIdSchema,
  from: ParticipantIdSchema,
  fromName: DisplayNameSchema,
  to: ParticipantIdSchema.nullable(),
  toName: DisplayNameSchema.nullable(),
  text: z.string().min(1),
  at: z.number().int().nonnegative(),
});

/** A session or class room password: 1–128 characters, compared exactly (no trimming). */
export const PasswordSchema = z.string().min(1, 'password is empty').max(128, 'password is longer than 128 characters');
/** A join token (a JWT an LMS issued); verified by the server only. */
export const JoinTokenSchema = z.string().min(1).max(8192);

// ---- Client → server -------------------------------------------------------------------

/** Opens the handshake; `resume` is a token from an earlier `joined` to keep one's identity. */
export const HelloSchema = z.object({ type: z.literal('hello'), v: z.number().int(), resume: z.string().max(512).optional() });
/** Asks the server for a new session; with `password`, joiners must give it. */
export const CreateSchema = z.object({ type: z.literal('create'), password: PasswordSchema.optional() });
/**
 * Joins a session by code. `hostKey` (from `created`, or a class room's host link) makes the
 * joiner the host; without it the joiner is a participant (or keeps the role they had, when
 * resuming). `password` answers a session password; `token` is a join token (JWT) from an
 * LMS, which replaces the password and may make the joiner host.
 */
export const JoinSchema = z.object({
  type: z.literal('join'),
  code: SessionCodeSchema,
  name: DisplayNameSchema,
  media: MediaStateSchema,
  password: PasswordSchema.optional(),
  token: JoinTokenSchema.optional(),
  hostKey: HostKeySchema.optional(),
});
/**
 * Creates a persistent class room: a stable code (its student link) that survives server
 * restarts, with its settings. The answer `class-room-created` carries the host key once.
 */
export const CreateClassRoomSchema = z.object({
  type: z.literal('create-class-room'),
  name: ClassRoomNameSchema,
  password: PasswordSchema.optional(),
  /** Joiners wait in the lobby until a host admits them; on unless set to false. */
  lobby: z.boolean().optional(),
  /** Most people in the room at once; the server's `--max-participants` when absent. */
  maxParticipants: z.number().int().min(2).max(50).optional(),
});
/** Leaves the session. */
export const LeaveSchema = z.object({ type: z.literal('leave') });
/**
 * Marks a relayed offer, answer or ICE candidate as belonging to an on-demand data-only
 * connection (file transfer in SFU mode) rather than the mesh media connection, and says which
 * end of it sent the signal: `opener` (made the offer) or `acceptor` (answered it).
 */
export const DataLinkEndSchema = z.enum(['opener', 'acceptor']);
/** An SDP offer for one participant. */
export const OfferSchema = z.object({ type: z.literal('offer'), to: ParticipantIdSchema, sdp: Sdp, dataLink: DataLinkEndSchema.optional() });
/** An SDP answer for one participant. */
export const AnswerSchema = z.object({ type: z.literal('answer'), to: ParticipantIdSchema, sdp: Sdp, dataLink: DataLinkEndSchema.optional() });
/** A trickled ICE candidate for one participant. */
export const IceCandidateMessageSchema = z.object({
  type: z.literal('ice-candidate'),
  to: ParticipantIdSchema,
  candidate: IceCandidateSchema.nullable(),
  dataLink: DataLinkEndSchema.optional(),
});
/** Tells the session that one's microphone or camera changed. */
export const MediaStateMessageSchema = z.object({ type: z.literal('media-state'), muted: z.boolean(), cameraOff: z.boolean() });
/** Starts (`screen` set) or stops (`screen: null`) sharing one's screen with the session. */
export const ScreenShareSchema = z.object({ type: z.literal('screen-share'), screen: ScreenShareInfoSchema.nullable() });
/**
 * Sends a chat message to the session, or privately to one participant (`to`). The server
 * refuses more than {@link MAX_CHAT_CHARS} characters with `CHAT_TOO_LONG`; the frame limit
 * bounds what is parsed at all.
 */
export const ChatSendSchema = z.object({
  type: z.literal('chat-send'),
  id: ChatMessageIdSchema,
  to: ParticipantIdSchema.nullable().optional(),
  text: z.string().refine((t) => t.trim().length > 0, 'chat message is empty'),
});
/** Which of a participant's two SFU connections a message is about. */
export const SfuConnectionSchema = z.enum(['publish', 'subscribe']);
/** A simulcast layer's name (rid) and the SSRC the browser sends it with. */
export const SimulcastSsrcSchema = z.object({ rid: z.string().regex(/^[A-Za-z0-9]{1,16}$/), ssrc: z.number().int().min(1).max(0xffffffff) });
/**
 * SFU mode: the offer of the connection that sends one's audio and video to the server. A
 * simulcast offer names its layers by rid but not their SSRCs; once the browser has chosen
 * them (its stats show them), the client offers again with `ssrcs`, so the server can tell the
 * layers' packets apart.
 */
export const SfuPublishSchema = z.object({ type: z.literal('sfu-publish'), sdp: Sdp, ssrcs: z.array(SimulcastSsrcSchema).max(8).optional() });
/** SFU mode: the answer to the server's `sfu-subscribe-offer`. */
export const SfuSubscribeAnswerSchema = z.object({ type: z.literal('sfu-subscribe-answer'), sdp: Sdp });
/** SFU mode: a trickled ICE candidate for one of the two connections, in either direction. */
export const SfuCandidateSchema = z.object({ type: z.literal('sfu-candidate'), pc: SfuConnectionSchema, candidate: IceCandidateSchema.nullable() });
/**
 * SFU mode: how large this client shows each participant's video, so the server forwards the
 * simulcast layer that fits (height in device pixels; 0 when not visible). Replaces the last
 * report; participants left out get the default (360).
 */
export const SfuViewSchema = z.object({
  type: z.literal('sfu-view'),
  views: z.array(z.object({ participantId: ParticipantIdSchema, height: z.number().int().min(0).max(8192) })).max(100),
});
/** Heartbeat; `t` is echoed back in `pong`. */
export const PingSchema = z.object({ type: z.literal('ping'), t: z.number() });

/** Every message a client may send. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  HelloSchema,
  CreateSchema,
  JoinSchema,
  CreateClassRoomSchema,
  LeaveSchema,
  OfferSchema,
  AnswerSchema,
  IceCandidateMessageSchema,
  MediaStateMessageSchema,
  ScreenShareSchema,
  ChatSendSchema,
  SfuPublishSchema,
  SfuSubscribeAnswerSchema,
  SfuCandidateSchema,
  SfuViewSchema,
  PingSchema,
  ...MODERATION_CLIENT_SCHEMAS,
]);

// ---- Server → client -------------------------------------------------------------------

/** Completes the handshake and assigns the participant id. */
export const WelcomeSchema = z.object({
  type: z.literal('welcome'),
  v: z.number().int(),
  participantId: ParticipantIdSchema,
  resumed: z.boolean(),
  heartbeatMs: z.number().int().positive(),
  maxMessageBytes: z.number().int().positive(),
  iceServers: z.array(IceServerSchema),
});
/** A new session exists; join it with `join`, passing `hostKey` to be its host. Keep the key secret. */
export const CreatedSchema = z.object({ type: z.literal('created'), code: SessionCodeSchema, hostKey: HostKeySchema });
/** The sender is now in the session; lists who else is there. */
export const JoinedSchema = z.object({
  type: z.literal('joined'),
  code: SessionCodeSchema,
  self: ParticipantInfoSchema,
  participants: z.array(ParticipantInfoSchema),
  /** `mesh`: connect to every other participant; `sfu`: send to and receive from the server. */
  topology: z.enum(['mesh', 'sfu']),
  maxParticipants: z.number().int().positive(),
  resumeToken: z.string(),
});
/** The join was refused; with `RATE_LIMITED`, `retryAfterMs` says when to try again. */
export const JoinErrorSchema = z.object({
  type: z.literal('join-error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
/**
 * A class room exists. `code` is its stable student link (`/<code>`); `hostKey` makes the
 * host link (`/<code>#host=<hostKey>`) and is shown only this once (the server keeps a hash).
 */
export const ClassRoomCreatedSchema = z.object({
  type: z.literal('class-room-created'),
  code: SessionCodeSchema,
  name: ClassRoomNameSchema,
  hostKey: HostKeySchema,
  password: z.boolean(),
  lobby: z.boolean(),
  maxParticipants: z.number().int().positive(),
});
/** Someone joined (or came back) to the session. */
export const ParticipantJoinedSchema = z.object({ type: z.literal('participant-joined'), participant: ParticipantInfoSchema });
/** Someone left the session. */
export const ParticipantLeftSchema = z.object({
  type: z.literal('participant-left'),
  participantId: ParticipantIdSchema,
  reason: z.enum(['left', 'disconnected', 'timeout', 'removed']),
});
/** An offer relayed from `from` (`dataLink` as the sender set it). */
export const RelayedOfferSchema = z.object({ type: z.literal('offer'), from: ParticipantIdSchema, sdp: Sdp, dataLink: DataLinkEndSchema.optional() });
/** An answer relayed from `from`. */
export const RelayedAnswerSchema = z.object({ type: z.literal('answer'), from: ParticipantIdSchema, sdp: Sdp, dataLink: DataLinkEndSchema.optional() });
/** An ICE candidate relayed from `from`. */
export const RelayedIceCandidateSchema = z.object({
  type: z.literal('ice-candidate'),
  from: ParticipantIdSchema,
  candidate: IceCandidateSchema.nullable(),
  dataLink: DataLinkEndSchema.optional(),
});
/** A participant's microphone or camera changed. */
export const RelayedMediaStateSchema = z.object({
  type: z.literal('media-state'),
  from: ParticipantIdSchema,
  muted: z.boolean(),
  cameraOff: z.boolean(),
});
/** A participant started or stopped sharing their screen. */
export const RelayedScreenShareSchema = z.object({
  type: z.literal('screen-share'),
  from: ParticipantIdSchema,
  screen: ScreenShareInfoSchema.nullable(),
});
/** A chat message for this participant; the sender's own copy acknowledges its `chat-send`. */
export const ChatSchema = z.object({ type: z.literal('chat'), message: ChatEntrySchema });
/** The session's recent chat this participant may see, oldest first; sent after `joined`. */
export const ChatHistorySchema = z.object({ type: z.literal('chat-history'), messages: z.array(ChatEntrySchema) });
/** A `chat-send` was refused; `id` names it. */
export const ChatErrorSchema = z.object({
  type: z.literal('chat-error'),
  id: ChatMessageIdSchema,
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
/**
 * The session moved to another topology (it grew past the SFU threshold, or shrank to two).
 * Set up the new media path and drop the old one once the new one carries media.
 */
export const TopologySchema = z.object({ type: z.literal('topology'), topology: z.enum(['mesh', 'sfu']) });
/** SFU mode: the server's answer to `sfu-publish`. */
export const SfuPublishAnswerSchema = z.object({ type: z.literal('sfu-publish-answer'), sdp: Sdp });
/** SFU mode: the server offers the receiving connection, with fixed audio and video slots. */
export const SfuSubscribeOfferSchema = z.object({ type: z.literal('sfu-subscribe-offer'), sdp: Sdp });
/**
 * One receiving slot: its media section, what it carries (`audio`, camera `video`, or a shared
 * `screen`), and the participant it carries now (null: idle).
 */
export const SfuSlotSchema = z.object({
  mid: z.string().min(1).max(32),
  kind: z.enum(['audio', 'video', 'screen']),
  participantId: ParticipantIdSchema.nullable(),
});
/**
 * SFU mode: which of this client's simulcast layers anyone needs now (by rid). The client pauses
 * the others (`encodings[i].active = false`), so it does not encode pictures nobody watches.
 */
export const SfuLayersSchema = z.object({ type: z.literal('sfu-layers'), active: z.array(z.string().regex(/^[A-Za-z0-9]{1,16}$/)).max(8) });
/** SFU mode: which participant each receiving slot carries; sent whenever that changes. */
export const SfuSlotsSchema = z.object({ type: z.literal('sfu-slots'), slots: z.array(SfuSlotSchema).max(256) });
/**
 * SFU mode: the server's media worker for this session was restarted, or this participant's own
 * SFU connection failed. The client drops its SFU connections and sets up new ones (a new
 * publish offer; the server sends a new subscribe offer), as it did when it joined.
 */
export const SfuRestartSchema = z.object({ type: z.literal('sfu-restart') });
/** Heartbeat reply. */
export const PongSchema = z.object({ type: z.literal('pong'), t: z.number() });
/** A request failed; `ref` names the message type that caused it. */
export const ErrorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  ref: z.string().optional(),
});
/**
 * Fresh ICE servers (new TURN credentials) before the ones from `welcome` expire. The client
 * applies them to its peer connections (`setConfiguration`) and uses them for new ones.
 */
export const IceServersSchema = z.object({ type: z.literal('ice-servers'), iceServers: z.array(IceServerSchema) });
/** The server is shutting down; clients should reconnect later. */
export const ByeSchema = z.object({ type: z.literal('bye'), reason: z.enum(['shutdown']) });

/** Every message the server may send. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  WelcomeSchema,
  CreatedSchema,
  JoinedSchema,
  JoinErrorSchema,
  ClassRoomCreatedSchema,
  ParticipantJoinedSchema,
  ParticipantLeftSchema,
  RelayedOfferSchema,
  RelayedAnswerSchema,
  RelayedIceCandidateSchema,
  RelayedMediaStateSchema,
  RelayedScreenShareSchema,
  ChatSchema,
  ChatHistorySchema,
  ChatErrorSchema,
  TopologySchema,
  SfuPublishAnswerSchema,
  SfuSubscribeOfferSchema,
  SfuCandidateSchema,
  SfuSlotsSchema,
  SfuLayersSchema,
  SfuRestartSchema,
  PongSchema,
  ErrorMessageSchema,
  IceServersSchema,
  ByeSchema,
  ...MODERATION_SERVER_SCHEMAS,
]);

/** A message from client to server. */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
/** A message from server to client. */
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
/** A participant as others see it. */
export type ParticipantInfo = z.infer<typeof ParticipantInfoSchema>;
/** Microphone and camera state. */
export type MediaState = z.infer<typeof MediaStateSchema>;
/** A shared screen as announced on the wire. */
export type ScreenShareInfo = z.infer<typeof ScreenShareInfoSchema>;
/** An ICE server for RTCPeerConnection. */
export type IceServer = z.infer<typeof IceServerSchema>;
/** An ICE candidate on the wire. */
export type IceCandidate = z.infer<typeof IceCandidateSchema>;
/** A client message of one type. */
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
/** A server message of one type. */
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** One SFU receiving slot. */
export type SfuSlot = z.infer<typeof SfuSlotSchema>;
/** Which end of an on-demand data-only connection sent a signal (see {@link DataLinkEndSchema}). */
export type DataLinkEnd = z.infer<typeof DataLinkEndSchema>;
/** A stored chat message. */
export type ChatEntry = z.infer<typeof ChatEntrySchema>;
/** The `type` of every client message, for docs and tests. */
export const CLIENT_MESSAGE_TYPES = ClientMessageSchema.options.map((o) => o.shape.type.value);
/** The `type` of every server message, for docs and tests. */
export const SERVER_MESSAGE_TYPES = ServerMessageSchema.options.map((o) => o.shape.type.value);

/** Length of a chat text as people count it: Unicode code points, not UTF-16 units. */
export function chatLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
