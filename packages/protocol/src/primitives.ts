import { z } from 'zod';

/** Server-assigned participant id. */
export const ParticipantIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'invalid participant id');
// C0/C1 controls, and bidi overrides that could make a text display as something else.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Text people read as a label: 1–`max` characters after trimming, no control characters. */
function labelText(what: string, max: number) {
  return z
    .string()
    .trim()
    .min(1, `${what} is empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), `${what} has control characters`);
}
/** A display name: 1–64 characters after trimming, no control characters. */
export const DisplayNameSchema = labelText('name', 64);
/** The name of a class room, shown to everyone who joins: 1–80 characters, no control characters. */
export const ClassRoomNameSchema = labelText('class room name', 80);

/**
 * What a participant may do in a session. `host`: everything, including making co-hosts and
 * handing the host role over; `cohost`: the classroom controls (mute, remove, lobby, lock…);
 * `participant`: nothing above their own media. Granted only by the server.
 */
export const RoleSchema = z.enum(['host', 'cohost', 'participant']);
/** A participant's role. */
export type Role = z.infer<typeof RoleSchema>;
/**
 * The host credential the server issues in `created`: 32 random bytes, base64url. Whoever
 * joins with it is the host; a role claimed any other way gives nothing.
 */
export const HostKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'invalid host key');
