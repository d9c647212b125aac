import { createHmac, timingSafeEqual } from 'node:crypto';
import { RoleSchema, type Role } from '@lectern/protocol';

/** What a resume token proves: this participant was admitted to this session. */
export interface ResumeClaim {
  participantId: string;
  code: string;
  /** The role they had when the token was issued (kept when a restart lost the room). */
  role: Role;
  /** Expiry, ms since epoch. */
  expiresAt: number;
}

/**
 * Signs and checks resume tokens: `base64url(json).base64url(hmac-sha256)`. The secret lives
 * in the data directory, so tokens outlive a restart and let members re-open their session.
 */
export class ResumeTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlMs = 24 * 3600 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(participantId: string, code: string, role: Role = 'participant'): string {
    const body = Buffer.from(JSON.stringify({ p: participantId, c: code, r: role, e: this.now() + this.ttlMs })).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The claim, or null when the token is malformed, forged or expired. */
  verify(token: string): ResumeClaim | null {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    // Compare the signature text exactly: base64url decoding would skip stray characters.
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.#mac(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let claim: unknown;
    try {
      claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const c = claim as { p?: unknown; c?: unknown; r?: unknown; e?: unknown };
    if (typeof c.p !== 'string' || typeof c.c !== 'string' || typeof c.e !== 'number') return null;
    if (c.e < this.now()) return null;
    const role = RoleSchema.safeParse(c.r ?? 'participant');
    if (!role.success) return null;
    return { participantId: c.p, code: c.c, role: role.data, expiresAt: c.e };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
