import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { DisplayNameSchema, ErrorCodes, LecternError, SessionCodeSchema, type ErrorCode } from '@lectern/protocol';

/** What a verified join token grants. */
export interface JoinClaims {
  room: string;
  name: string;
  role: 'host' | 'participant';
  /** The LMS's id of the person (`sub`), or null. */
  subject: string | null;
}

/** Where the verification keys come from: a secret, and a public key or a JWKS (not both). */
export interface JoinTokenKeys {
  /** HS256 shared secret. */
  secret: string | null;
  /** RS256 (RSA) or ES256 (P-256) public key, PEM. */
  publicKeyPem: string | null;
  /** A JSON Web Key Set (RS256 / ES256 keys), parsed. */
  jwks: unknown;
  /** Accepted `aud` values: the server's public URL. */
  audience: string[];
}

/** Slack for clocks that disagree a little between the LMS and this server. */
const CLOCK_TOLERANCE_S = 30;

type KeyGetter = ReturnType<typeof createLocalJWKSet>;

/**
 * Verifies LMS join tokens (JWT). The accepted algorithms follow from the configured keys
 * alone: HS256 only with a secret, RS256/ES256 only with a public key or JWKS. So `alg: none`
 * and algorithm confusion (an HS256 token "signed" with the public key) are refused before
 * any signature is checked. Every failure is a LecternError with a TOKEN_* code.
 */
export class JoinTokenVerifier {
  readonly #algorithms = new Set<string>();
  readonly #secret: Uint8Array | null;
  readonly #publicKey: { key: KeyObject; alg: string } | null;
  readonly #jwks: KeyGetter | null;

  /** Throws an Error naming the problem when a key is unusable. */
  constructor(private readonly keys: JoinTokenKeys) {
    if (keys.audience.length === 0) throw new Error('join tokens need an audience (the server\'s public URL)');
    this.#secret = keys.secret === null ? null : new TextEncoder().encode(keys.secret);
    if (this.#secret) this.#algorithms.add('HS256');
    this.#publicKey = keys.publicKeyPem === null ? null : publicKeyWithAlg(keys.publicKeyPem);
    if (this.#publicKey) this.#algorithms.add(this.#publicKey.alg);
    if (this.#publicKey && keys.jwks) throw new Error('give a public key or a JWKS, not both');
    this.#jwks = null;
    if (keys.jwks !== null && keys.jwks !== undefined) {
      try {
        this.#jwks = createLocalJWKSet(keys.jwks as JSONWebKeySet);
      } catch (err) {
        throw new Error(`the JWKS is not valid: ${(err as Error).message}`);
      }
      this.#algorithms.add('RS256').add('ES256');
    }
    if (this.#algorithms.size === 0) throw new Error('join tokens need a secret, a public key or a JWKS');
  }

  /** The algorithms a token may be signed with. */
  get algorithms(): string[] {
    return [...this.#algorithms];
  }

  /** Verifies `token` for a join of session `code`. Throws LecternError TOKEN_*. */
  async verify(token: string, code: string): Promise<JoinClaims> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new LecternError(ErrorCodes.TOKEN_INVALID, 'the join token is not a valid JWT');
    }
    if (!alg || !this.#algorithms.has(alg)) {
      throw new LecternError(ErrorCodes.TOKEN_ALG_NOT_ALLOWED, `join tokens signed with "${alg ?? 'none'}" are not accepted (this server takes ${this.algorithms.join(', ')})`);
    }
    const options = { algorithms: [alg], audience: this.keys.audience, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp', 'aud'] };
    let payload: JWTPayload;
    try {
      if (alg === 'HS256') payload = (await jwtVerify(token, this.#secret!, options)).payload;
      else if (this.#publicKey) payload = (await jwtVerify(token, this.#publicKey.key, options)).payload;
      else payload = (await jwtVerify(token, this.#jwks!, options)).payload;
    } catch (err) {
      throw asTokenError(err);
    }
    return claimsOf(payload, code);
  }
}

function publicKeyWithAlg(pem: string): { key: KeyObject; alg: string } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`the public key is not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  throw new Error('the public key must be RSA (RS256) or EC P-256 (ES256)');
}

function claimsOf(payload: JWTPayload, code: string): JoinClaims {
  const room = SessionCodeSchema.safeParse(payload.room);
  if (!room.success) throw new LecternError(ErrorCodes.TOKEN_INVALID, 'the join token has no valid "room" claim (a session code)');
  if (room.data !== code) throw new LecternError(ErrorCodes.TOKEN_WRONG_ROOM, 'the join token is for another session');
  const name = DisplayNameSchema.safeParse(payload.name);
  if (!name.success) throw new LecternError(ErrorCodes.TOKEN_INVALID, 'the join token has no valid "name" claim');
  const role = payload.role ?? 'participant';
  if (role !== 'host' && role !== 'participant') throw new LecternError(ErrorCodes.TOKEN_INVALID, 'the join token\'s "role" must be "host" or "participant"');
  const subject = typeof payload.sub === 'string' && payload.sub.length > 0 && payload.sub.length <= 256 ? payload.sub : null;
  return { room: room.data, name: name.data, role, subject };
}

/** jose's failures as stable codes; the message never echoes the token. */
function asTokenError(err: unknown): LecternError {
  if (err instanceof LecternError) return err;
  const [code, message] = tokenFailure(err);
  return new LecternError(code, message, { cause: err });
}

function tokenFailure(err: unknown): [ErrorCode, string] {
  if (err instanceof errors.JWTExpired) return [ErrorCodes.TOKEN_EXPIRED, 'the join token has expired'];
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return [ErrorCodes.TOKEN_NOT_YET_VALID, 'the join token is not valid yet'];
    if (err.claim === 'aud') return [ErrorCodes.TOKEN_WRONG_AUDIENCE, 'the join token was issued for another server'];
    return [ErrorCodes.TOKEN_INVALID, `the join token's "${err.claim}" claim is ${err.reason}`];
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return [ErrorCodes.TOKEN_ALG_NOT_ALLOWED, 'the join token\'s algorithm is not accepted'];
  if (err instanceof errors.JWSSignatureVerificationFailed) return [ErrorCodes.TOKEN_BAD_SIGNATURE, 'the join token\'s signature is not valid'];
  if (err instanceof errors.JWKSNoMatchingKey) return [ErrorCodes.TOKEN_BAD_SIGNATURE, 'no configured key matches the join token'];
  if (err instanceof errors.JWKSMultipleMatchingKeys) return [ErrorCodes.TOKEN_INVALID, 'the join token names no key ("kid") and several keys match'];
  return [ErrorCodes.TOKEN_INVALID, 'the join token is not a valid JWT'];
}
