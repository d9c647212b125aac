import { timingSafeEqual, createHash, randomBytes } from 'node:crypto';
import type { Role } from '@lectern/protocol';

/** How much each role may do; higher ranks may do everything lower ones may. */
const RANK: Record<Role, number> = { participant: 0, cohost: 1, host: 2 };

/** Whether `role` is `min` or above. */
export function atLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

/** The higher of two roles. */
export function higher(a: Role, b: Role): Role {
  return RANK[a] >= RANK[b] ? a : b;
}

/** A fresh host credential: 32 random bytes, base64url (43 characters). */
export function newHostKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Whether `given` is the room's host key. Constant time: both sides are hashed first, so
 * neither the length nor any prefix of the key leaks through timing.
 */
export function hostKeyMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * What the access layer verified about a connection, from outside signaling (a join token
 * from an LMS, a class room's host link). `identity` names the person for removal bans.
 */
export interface AccessGrant {
  role: Role | null;
  identity: string | null;
}

/** Everything that can grant a joiner a role. Each is a credential the server checked. */
export interface RoleClaims {
  /** The role this participant id had in this room before (it is resuming). Wins over `resumed`. */
  remembered?: Role | null;
  /** The role in a verified resume token (the room was lost in a restart and re-opened). */
  resumed?: Role | null;
  /** The joiner presented the room's host key (already checked with {@link hostKeyMatches}). */
  hostKey?: boolean;
  /**
   * A role granted from outside signaling: a verified join token's `role` claim, or a
   * class room's host link. Only the access layer sets this, never a client's word.
   */
  granted?: Role | null;
}

/**
 * THE decision of a joiner's role: the one place every join goes through. A resuming member
 * keeps its role; a host key or an external grant can only raise it. Nothing a client merely
 * claims ever reaches here.
 */
export function decideRole(claims: RoleClaims): Role {
  let role: Role = claims.remembered ?? claims.resumed ?? 'participant';
  if (claims.hostKey) role = 'host';
  if (claims.granted) role = higher(role, claims.granted);
  return role;
}
