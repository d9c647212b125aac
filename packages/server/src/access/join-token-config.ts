import { readFile } from 'node:fs/promises';
import type { LecternConfig } from '../config.js';
import { JoinTokenVerifier } from './join-token.js';

/**
 * The join token verifier the configuration asks for (reading the key files), or null when no
 * key is configured. Throws an Error naming the file and the problem.
 */
export async function loadJoinTokenVerifier(
  config: Pick<LecternConfig, 'jwtSecret' | 'jwtPublicKey' | 'jwtJwks' | 'jwtAudience' | 'publicUrl'>,
): Promise<JoinTokenVerifier | null> {
  if (config.jwtSecret === null && config.jwtPublicKey === null && config.jwtJwks === null) return null;
  const publicKeyPem = config.jwtPublicKey === null ? null : await readFile(config.jwtPublicKey, 'utf8');
  let jwks: unknown = null;
  if (config.jwtJwks !== null) {
    try {
      jwks = JSON.parse(await readFile(config.jwtJwks, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code) throw err;
      throw new Error(`${config.jwtJwks} is not JSON: ${(err as Error).message}`);
    }
  }
  const audience = config.jwtAudience ?? config.publicUrl!;
  try {
    return new JoinTokenVerifier({ secret: config.jwtSecret, publicKeyPem, jwks, audience: audienceVariants(audience) });
  } catch (err) {
    throw new Error(`join tokens: ${(err as Error).message}`);
  }
}

/** A URL audience with and without its trailing slash: LMSs write it either way. */
function audienceVariants(aud: string): string[] {
  const bare = aud.replace(/\/+$/, '');
  return /^https?:\/\//.test(aud) && bare !== '' ? [bare, `${bare}/`] : [aud];
}
