import { errorCode, text } from './attributes.js';
import { NonceMint, longTermKey, parseUsername, restPassword } from './credentials.js';
import { Attr, Class, getAttr, integrityOk, responseTo, type StunMessage } from './stun-message.js';

/** A request that passed the long-term credential check (RFC 8489 §9.2). */
export interface Authenticated {
  username: string;
  /** The participant the credential was minted for. */
  user: string;
  key: Buffer;
}

/** Either the caller may go on, or this error response (unsigned) must be sent. */
export type AuthResult = { ok: true; auth: Authenticated } | { ok: false; response: StunMessage; reason: string };

/**
 * Checks MESSAGE-INTEGRITY against ephemeral REST API credentials, in the order RFC 8489
 * §9.2.4 gives: missing integrity → 401 with a nonce; missing fields → 400; stale or foreign
 * nonce → 438; unknown or expired username → 401; wrong integrity → 401.
 */
export class TurnAuthenticator {
  readonly #nonces: NonceMint;

  constructor(
    private readonly secret: () => string,
    readonly realm: string,
    nonceKey: Buffer,
    nonceLifetimeMs: number,
  ) {
    this.#nonces = new NonceMint(nonceKey, nonceLifetimeMs);
  }

  /**
   * `allocatedAs` is the username that created the client's allocation, if it has one: that
   * username stays good for requests on its own allocation after it expires, so a long call
   * is not cut when the credential it started with runs out (new allocations need a new one).
   */
  check(request: StunMessage, clientIp: string, now: number, allocatedAs?: string): AuthResult {
    const deny = (code: number, reason: string, withNonce: boolean): AuthResult => {
      const attrs = [errorCode(code, reason)];
      if (withNonce) attrs.push(text(Attr.Realm, this.realm), text(Attr.Nonce, this.#nonces.issue(clientIp, now)));
      return { ok: false, response: responseTo(request, Class.Error, attrs), reason };
    };
    if (!getAttr(request, Attr.MessageIntegrity)) return deny(401, 'Unauthorized', true);
    const username = getAttr(request, Attr.Username)?.toString('utf8');
    const realm = getAttr(request, Attr.Realm)?.toString('utf8');
    const nonce = getAttr(request, Attr.Nonce)?.toString('utf8');
    if (username === undefined || realm === undefined || nonce === undefined) return deny(400, 'Bad Request', false);
    if (this.#nonces.check(nonce, clientIp, now) !== 'ok') return deny(438, 'Stale Nonce', true);
    const parsed = parseUsername(username);
    if (!parsed) return deny(401, 'Unauthorized', true);
    if (parsed.expiry * 1000 <= now && username !== allocatedAs) return deny(401, 'Credential expired', true);
    const key = longTermKey(username, this.realm, restPassword(this.secret(), username));
    if (realm !== this.realm || !integrityOk(request, key)) return deny(401, 'Unauthorized', true);
    return { ok: true, auth: { username, user: parsed.user, key } };
  }
}
