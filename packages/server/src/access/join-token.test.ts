import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LecternError } from '@lectern/protocol';
import { JoinTokenVerifier } from './join-token.js';
import { AUDIENCE, CODE, SECRET, claims, jwksOf, keyPair, sign, signHs256, unsigned } from './join-token.test-helpers.js';

const rsa = keyPair('rsa');
const ec = keyPair('ec');
const now = () => Math.floor(Date.now() / 1000);

function verifier(keys: { secret?: string; publicKeyPem?: string; jwks?: unknown; audience?: string[] }): JoinTokenVerifier {
  return new JoinTokenVerifier({ secret: keys.secret ?? null, publicKeyPem: keys.publicKeyPem ?? null, jwks: keys.jwks ?? null, audience: keys.audience ?? [AUDIENCE] });
}

async function rejects(v: JoinTokenVerifier, token: string, code: string, room = CODE): Promise<void> {
  await assert.rejects(v.verify(token, room), (err: unknown) => {
    assert.ok(err instanceof LecternError, String(err));
    assert.equal(err.code, code, err.message);
    if (token.length > 20) assert.ok(!err.message.includes(token), 'the message never echoes the token');
    return true;
  });
}

test('good tokens: HS256 with the secret, RS256 with the public key, ES256 from a JWKS', async () => {
  const hs = verifier({ secret: SECRET });
  assert.deepEqual(await hs.verify(await signHs256(claims({ role: 'host' })), CODE), { room: CODE, name: 'Ada Lovelace', role: 'host', subject: null });
  assert.equal((await hs.verify(await signHs256(claims({ sub: 'lms-42' })), CODE)).subject, 'lms-42');
  const rs = verifier({ publicKeyPem: rsa.pem });
  assert.equal((await rs.verify(await sign(claims(), 'RS256', rsa.privateKey), CODE)).role, 'participant');
  const es = verifier({ jwks: await jwksOf(ec.publicKey, 'k1', 'ES256') });
  assert.equal((await es.verify(await sign(claims({ name: 'Grace' }), 'ES256', ec.privateKey, 'k1'), CODE)).name, 'Grace');
  const { role: _role, ...noRole } = claims();
  assert.equal((await hs.verify(await signHs256(noRole), CODE)).role, 'participant', 'no role claim means participant');
  const either = verifier({ secret: SECRET, audience: [AUDIENCE, `${AUDIENCE}/`] });
  assert.equal((await either.verify(await signHs256(claims({ aud: `${AUDIENCE}/` })), CODE)).room, CODE, 'aud may be one of several');
  assert.deepEqual(hs.algorithms, ['HS256']);
  assert.deepEqual(rs.algorithms, ['RS256']);
  assert.deepEqual(verifier({ publicKeyPem: ec.pem }).algorithms, ['ES256']);
});

test('alg none is refused, with and without a signature part', async () => {
  for (const v of [verifier({ secret: SECRET }), verifier({ publicKeyPem: rsa.pem })]) {
    await rejects(v, unsigned(claims()), 'TOKEN_ALG_NOT_ALLOWED');
    await rejects(v, `${unsigned(claims())}c2ln`, 'TOKEN_ALG_NOT_ALLOWED');
  }
});

test('algorithm confusion: an HS256 token "signed" with the RSA public key is refused', async () => {
  const forged = await signHs256(claims({ role: 'host' }), rsa.pem);
  await rejects(verifier({ publicKeyPem: rsa.pem }), forged, 'TOKEN_ALG_NOT_ALLOWED');
  // With a secret configured too, HS256 is checked against the secret only.
  await rejects(verifier({ secret: SECRET, publicKeyPem: rsa.pem }), forged, 'TOKEN_BAD_SIGNATURE');
  await rejects(verifier({ jwks: await jwksOf(rsa.publicKey, 'k1', 'RS256') }), forged, 'TOKEN_ALG_NOT_ALLOWED');
  // The other way round: an ES256 token where the server holds an RSA key.
  await rejects(verifier({ publicKeyPem: rsa.pem }), await sign(claims(), 'ES256', ec.privateKey), 'TOKEN_ALG_NOT_ALLOWED');
  await rejects(verifier({ publicKeyPem: rsa.pem }), await sign(claims(), 'RS512', rsa.privateKey), 'TOKEN_ALG_NOT_ALLOWED');
});

test('expired and not-yet-valid tokens, beyond the 30 s clock tolerance', async () => {
  const v = verifier({ secret: SECRET });
  await rejects(v, await signHs256(claims({ exp: now() - 60 })), 'TOKEN_EXPIRED');
  await rejects(v, await signHs256(claims({ nbf: now() + 300 })), 'TOKEN_NOT_YET_VALID');
  assert.equal((await v.verify(await signHs256(claims({ exp: now() - 10 })), CODE)).room, CODE, 'inside the tolerance');
});

test('a token for another session or another server', async () => {
  const v = verifier({ secret: SECRET });
  await rejects(v, await signHs256(claims()), 'TOKEN_WRONG_ROOM', 'bcd-efgh-jkm');
  await rejects(v, await signHs256(claims({ aud: 'https://other.example.edu' })), 'TOKEN_WRONG_AUDIENCE');
  await rejects(v, await signHs256(claims({ aud: undefined })), 'TOKEN_WRONG_AUDIENCE');
});

test('bad signatures: another secret, another key, a tampered payload, an unknown kid', async () => {
  await rejects(verifier({ secret: SECRET }), await signHs256(claims(), 'another-secret-that-is-also-long-enough!!'), 'TOKEN_BAD_SIGNATURE');
  const other = keyPair('rsa');
  await rejects(verifier({ publicKeyPem: rsa.pem }), await sign(claims(), 'RS256', other.privateKey), 'TOKEN_BAD_SIGNATURE');
  const good = await signHs256(claims());
  const [h, , s] = good.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims({ role: 'host' }))).toString('base64url')}.${s}`;
  await rejects(verifier({ secret: SECRET }), tampered, 'TOKEN_BAD_SIGNATURE');
  const jwks = verifier({ jwks: await jwksOf(ec.publicKey, 'k1', 'ES256') });
  await rejects(jwks, await sign(claims(), 'ES256', ec.privateKey, 'k2'), 'TOKEN_BAD_SIGNATURE');
});

test('malformed tokens and missing or invalid claims', async () => {
  const v = verifier({ secret: SECRET });
  for (const junk of ['', 'x', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.%%%.x', '{"alg":"HS256"}']) await rejects(v, junk, 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ exp: undefined })), 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ room: undefined })), 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ room: 'not a code' })), 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ name: '' })), 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ name: 'x'.repeat(65) })), 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ role: 'admin' })), 'TOKEN_INVALID');
  await rejects(v, await signHs256(claims({ role: ['host'] })), 'TOKEN_INVALID');
});

test('unusable keys are refused when the server starts', () => {
  assert.throws(() => verifier({}), /secret, a public key or a JWKS/);
  assert.throws(() => verifier({ secret: SECRET, audience: [] }), /audience/);
  assert.throws(() => verifier({ publicKeyPem: 'not a key' }), /not a PEM public key/);
  const ed = keyPair('rsa');
  assert.throws(() => verifier({ publicKeyPem: ed.pem, jwks: { keys: [] } }), /not both/);
  assert.throws(() => verifier({ jwks: { nope: 1 } }), /JWKS is not valid/);
});
