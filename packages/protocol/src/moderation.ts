/**
 * Classroom control messages: roles, host controls, lobby, raised hands, reactions and
 * spotlight. The server checks the sender's role on every one of them; a participant acting
 * above its role gets `NOT_ALLOWED` and nothing happens.
 */
import { z } from 'zod';
import { DisplayNameSchema, ParticipantIdSchema, RoleSchema } from './primitives.js';

/** The reactions a participant may send: a small fixed set, checked by the server. */
export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
/** One of {@link REACTIONS}. */
export const ReactionSchema = z.enum(REACTIONS);
/** What is spotlit for everyone: a participant's camera, or (`screen: true`) their shared screen. */
export const SpotlightSchema = z.object({ participantId: ParticipantIdSchema, screen: z.boolean() });
/** A member named in a notice, with the name they had then (they may have left since). */
export const PersonSchema = z.object({ id: ParticipantIdSchema, name: DisplayNameSchema });
/** A raised hand in the queue, oldest first. */
export const RaisedHandSchema = z.object({ participantId: ParticipantIdSchema, name: DisplayNameSchema });

const target = { participantId: ParticipantIdSchema };

// ---- Client → server -------------------------------------------------------------------

/** Host or co-host: mute one participant's microphone. Only they can unmute themselves. */
export const MuteSchema = z.object({ type: z.literal('mute'), ...target });
/** Host or co-host: mute everyone who is not a host or co-host. */
export const MuteAllSchema = z.object({ type: z.literal('mute-all') });
/** Host or co-host: turn one participant's camera off. Only they can turn it back on. */
export const CameraOffSchema = z.object({ type: z.literal('camera-off'), ...target });
/** Host or co-host: stop one participant's screen share. */
export const StopScreenSchema = z.object({ type: z.literal('stop-screen'), ...target });
/** Host or co-host: remove a participant; they cannot come back to this session. */
export const RemoveSchema = z.object({ type: z.literal('remove'), ...target });
/** Host: make a participant a co-host (`cohost`) or take it back (`participant`). */
export const SetRoleSchema = z.object({ type: z.literal('set-role'), ...target, role: z.enum(['cohost', 'participant']) });
/** Host: hand the host role to another member; the old host becomes a co-host. */
export const MakeHostSchema = z.object({ type: z.literal('make-host'), ...target });
/** Host or co-host: lock (no new joins) or unlock the session. */
export const SetLockSchema = z.object({ type: z.literal('set-lock'), locked: z.boolean() });
/** Host or co-host: turn the lobby (waiting room) on or off. Turning it off admits everyone waiting. */
export const SetLobbySchema = z.object({ type: z.literal('set-lobby'), enabled: z.boolean() });
/** Host or co-host: let one waiting joiner in. */
export const AdmitSchema = z.object({ type: z.literal('admit'), ...target });
/** Host or co-host: let everyone waiting in. */
export const AdmitAllSchema = z.object({ type: z.literal('admit-all') });
/** Host or co-host: turn one waiting joiner away; they get `join-error` `LOBBY_DENIED`. */
export const DenySchema = z.object({ type: z.literal('deny'), ...target });
/** Anyone: raise or lower one's own hand. */
export const RaiseHandSchema = z.object({ type: z.literal('raise-hand'), raised: z.boolean() });
/** Host or co-host: lower someone's raised hand. */
export const LowerHandSchema = z.object({ type: z.literal('lower-hand'), ...target });
/** Anyone: send a reaction, shown briefly on one's tile for everyone. */
export const SendReactionSchema = z.object({ type: z.literal('reaction'), emoji: ReactionSchema });
/** Host or co-host: spotlight a participant or their screen for everyone (`null` clears it). */
export const SetSpotlightSchema = z.object({ type: z.literal('spotlight'), spotlight: SpotlightSchema.nullable() });

/** Every classroom-control message a client may send. */
export const MODERATION_CLIENT_SCHEMAS = [
  MuteSchema,
  MuteAllSchema,
  CameraOffSchema,
  StopScreenSchema,
  RemoveSchema,
  SetRoleSchema,
  MakeHostSchema,
  SetLockSchema,
  SetLobbySchema,
  AdmitSchema,
  AdmitAllSchema,
  DenySchema,
  RaiseHandSchema,
  LowerHandSchema,
  SendReactionSchema,
  SetSpotlightSchema,
] as const;

// ---- Server → client -------------------------------------------------------------------

/**
 * The session's controls as this member may see them; sent after `joined` and whenever they
 * change. `hands` is the raised-hand queue, oldest first: hosts and co-hosts see all of it,
 * others only their own hand. `waiting` (the lobby) is empty for anyone but hosts and co-hosts.
 */
export const RoomStateSchema = z.object({
  type: z.literal('room-state'),
  locked: z.boolean(),
  lobby: z.boolean(),
  spotlight: SpotlightSchema.nullable(),
  hands: z.array(RaisedHandSchema),
  waiting: z.array(PersonSchema),
});
/** A member's role changed (the member may be the receiver). */
export const RoleChangedSchema = z.object({ type: z.literal('role'), participantId: ParticipantIdSchema, role: RoleSchema });
/** What a host or co-host did, for notices ("Ana muted you"). */
export const ModerationActionSchema = z.enum([
  'mute',
  'mute-all',
  'camera-off',
  'stop-screen',
  'remove',
  'make-cohost',
  'revoke-cohost',
  'make-host',
  'lock',
  'unlock',
  'lobby-on',
  'lobby-off',
  'admit',
  'deny',
  'lower-hand',
  'spotlight',
  'clear-spotlight',
]);
/**
 * A host or co-host (`by`) did something, to `target` or to the whole session. When the
 * receiver is the target of `mute`, `camera-off` or `stop-screen` it complies (stops that
 * media); of `remove`, it is out of the session (and may not come back).
 */
export const ModerationNoticeSchema = z.object({
  type: z.literal('moderation'),
  action: ModerationActionSchema,
  by: PersonSchema,
  target: PersonSchema.nullable(),
});
/** The session's lobby is on: wait until a host admits (`joined`) or denies (`join-error`). */
export const LobbyWaitingSchema = z.object({ type: z.literal('lobby-waiting'), code: z.string() });
/** A member sent a reaction. */
export const ReactionSchemaMessage = z.object({ type: z.literal('reaction'), from: ParticipantIdSchema, emoji: ReactionSchema });

/**
 * A fresh resume token for the receiver, whose role is about to change: keep it instead of the
 * one from `joined`, so a comeback after a server restart has the new role.
 */
export const ResumeTokenSchema = z.object({ type: z.literal('resume-token'), resumeToken: z.string() });

/** Every classroom-control message the server may send. */
export const MODERATION_SERVER_SCHEMAS = [
  RoomStateSchema,
  RoleChangedSchema,
  ModerationNoticeSchema,
  LobbyWaitingSchema,
  ReactionSchemaMessage,
  ResumeTokenSchema,
] as const;

/** A reaction emoji. */
export type Reaction = z.infer<typeof ReactionSchema>;
/** A spotlight target. */
export type Spotlight = z.infer<typeof SpotlightSchema>;
/** A member named in a notice. */
export type Person = z.infer<typeof PersonSchema>;
/** A raised hand in the queue. */
export type RaisedHand = z.infer<typeof RaisedHandSchema>;
/** What a moderation notice says was done. */
export type ModerationAction = z.infer<typeof ModerationActionSchema>;

/** A classroom-control message from a client. */
export type ModerationMessage = z.infer<(typeof MODERATION_CLIENT_SCHEMAS)[number]>;
/** The `type` of every classroom-control message a client may send. */
export const MODERATION_MESSAGE_TYPES = MODERATION_CLIENT_SCHEMAS.map((s) => s.shape.type.value);
/** The `type` of a classroom-control message. */
export type ModerationMessageType = ModerationMessage['type'];
