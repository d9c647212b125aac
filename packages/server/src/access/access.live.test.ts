import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ServerMessageOf } from '@lectern/protocol';
import { Live, type TestClient } from '../live-support.test.js';
import { writeFile } from 'node:fs/promises';
import { AUDIENCE, SECRET, claims, jwksOf, keyPair, sign, signHs256, unsigned } from './join-token.test-helpers.js';

const MEDIA = { muted: false, cameraOff: false };

type JoinAnswer = ServerMessageOf<'joined'> | ServerMessageOf<'join-error'> | ServerMessageOf<'lobby-waiting'>;

/** Sends a join and returns the answer: `joined`, `join-error`, or `lobby-waiting`. */
async function tryJoin(c: TestClient, code: string, extra: Record<string, unknown> = {}, name = 'Ada'): Promise<JoinAnswer> {
  c.send({ type: 'join', code, name, media: MEDIA, ...extra });
  return (await c.nextMatching((m) => m.type === 'joined' || m.type === 'join-error' || m.type === 'lobby-waiting', 'join answer')) as JoinAnswer;
}

/** The error code of a refused join, or the answer's type. */
function refusal(reply: JoinAnswer): string {
  return reply.type === 'join-error' ? reply.code : reply.type;
}

/** The role a `joined` gives its receiver. */
function roleOf(reply: JoinAnswer): string {
  return reply.type === 'joined' ? reply.self.role : reply.type;
}

async function withLive(overrides: Parameters<typeof Live.start>[0], body: (live: Live) => Promise<void>): Promise<void> {
  const live = await Live.start(overrides);
  try {
    await body(live);
  } finally {
    await live.stop();
  }
}

describe('access: session password', () => {
  test('no password → PASSWORD_REQUIRED, a wrong one → WRONG_PASSWORD, the right one → joined', () =>
    withLive({}, async (live) => {
      const host = await live.ready();
      host.send({ type: 'create', password: 'open sesame' });
      const { code, hostKey } = await host.next('created');
      assert.equal(roleOf(await tryJoin(host, code, { hostKey })), 'host', 'the creator\'s host key passes the password');
      const guest = await live.ready();
      assert.equal(refusal(await tryJoin(guest, code)), 'PASSWORD_REQUIRED');
      assert.equal(refusal(await tryJoin(guest, code, { password: 'open sesame ' })), 'WRONG_PASSWORD');
      assert.equal(host.pending('participant-joined').length, 0, 'nobody was let in');
      assert.equal((await tryJoin(guest, code, { password: 'open sesame' })).type, 'joined');
      await host.next('participant-joined', (m) => m.participant.id === guest.participantId);
    }));

  test('a session without a password ignores one that is given; the wire never carries the hash', () =>
    withLive({}, async (live) => {
      const c = await live.ready();
      const code = await c.create();
      const joined = await tryJoin(c, code, { password: 'whatever' });
      assert.equal(joined.type, 'joined');
      assert.ok(!JSON.stringify(c.log).includes('scrypt'));
    }));

  test('a reconnect with a resume token comes back without the password', () =>
    withLive({}, async (live) => {
      const a = await live.ready();
      a.send({ type: 'create', password: 'pw' });
      const { code } = await a.next('created');
      const joined = await tryJoin(a, code, { password: 'pw' });
      assert.equal(joined.type, 'joined');
      const again = await live.client();
      await again.hello(joined.type === 'joined' ? joined.resumeToken : '');
      assert.equal((await tryJoin(again, code)).type, 'joined');
    }));
});

describe('access: a session password across a restart', () => {
  test('a member comes back into the re-opened session; everyone else is still asked for the password', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lectern-password-'));
    try {
      let code: string;
      let resumeToken: string;
      {
        const live = await Live.start({ dataDir });
        const host = await live.ready();
        host.send({ type: 'create', password: 'pw' });
        code = (await host.next('created')).code;
        const joined = await tryJoin(host, code, { password: 'pw' });
        assert.equal(joined.type, 'joined');
        resumeToken = joined.type === 'joined' ? joined.resumeToken : '';
        await live.stop(false);
      }
      const live = await Live.start({ dataDir });
      try {
        const stranger = await live.ready();
        assert.equal(refusal(await tryJoin(stranger, code)), 'ROOM_NOT_FOUND', 'only a member may re-open it');
        const back = await live.client();
        await back.hello(resumeToken);
        assert.equal((await tryJoin(back, code)).type, 'joined');
        const guest = await live.ready();
        assert.equal(refusal(await tryJoin(guest, code)), 'PASSWORD_REQUIRED');
        assert.equal((await tryJoin(guest, code, { password: 'pw' })).type, 'joined');
      } finally {
        await live.stop(false);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('access: failed join attempts are limited', () => {
  test('wrong passwords from one address run out; RATE_LIMITED says when to retry, even for the right password', () =>
    withLive({ joinLimitIpSession: 3, joinLimitIp: 100, joinLimitSession: 100 }, async (live) => {
      const host = await live.ready();
      host.send({ type: 'create', password: 'right' });
      const { code } = await host.next('created');
      const guest = await live.ready();
      for (let i = 0; i < 3; i++) assert.equal(refusal(await tryJoin(guest, code, { password: `guess ${i}` })), 'WRONG_PASSWORD');
      const limited = await tryJoin(guest, code, { password: 'right' });
      assert.equal(refusal(limited), 'RATE_LIMITED');
      assert.ok(limited.type === 'join-error' && limited.retryAfterMs! > 0 && limited.retryAfterMs! <= 20_000, JSON.stringify(limited));
      // A new connection from the same address is held back too.
      const again = await live.ready();
      assert.equal(refusal(await tryJoin(again, code, { password: 'right' })), 'RATE_LIMITED');
      assert.ok(guest.open && again.open, 'the socket stays up');
    }));

  test('guessing codes runs out per address; the limit counts failures only', () =>
    withLive({ joinLimitIp: 4 }, async (live) => {
      const c = await live.ready();
      const code = await c.create();
      // Successful joins cost nothing: a class behind one NAT gets in.
      for (let i = 0; i < 6; i++) {
        const p = await live.ready();
        assert.equal((await tryJoin(p, code, {}, `Student ${i}`)).type, 'joined');
        await p.close();
      }
      const guesser = await live.ready();
      for (const guess of ['aaa-aaaa-aaa', 'bbb-bbbb-bbb', 'ccc-cccc-ccc', 'ddd-dddd-ddd']) assert.equal(refusal(await tryJoin(guesser, guess)), 'ROOM_NOT_FOUND');
      assert.equal(refusal(await tryJoin(guesser, code)), 'RATE_LIMITED', 'even a real code is refused now');
    }));
});

describe('access: the client address behind a proxy', () => {
  async function guesser(live: Live, xff: string): Promise<TestClient> {
    const c = await live.client({ headers: { 'x-forwarded-for': xff } });
    await c.hello();
    return c;
  }

  test('with --trust-proxy each forwarded address has its own limit; without, a forged header changes nothing', async () => {
    for (const trustProxy of [true, false]) {
      await withLive({ joinLimitIp: 2, trustProxy }, async (live) => {
        const a = await guesser(live, '198.51.100.1, 203.0.113.1');
        for (const code of ['aaa-aaaa-aaa', 'bbb-bbbb-bbb']) assert.equal(refusal(await tryJoin(a, code)), 'ROOM_NOT_FOUND');
        assert.equal(refusal(await tryJoin(a, 'ccc-cccc-ccc')), 'RATE_LIMITED');
        const b = await guesser(live, '198.51.100.1, 203.0.113.2');
        assert.equal(refusal(await tryJoin(b, 'ccc-cccc-ccc')), trustProxy ? 'ROOM_NOT_FOUND' : 'RATE_LIMITED', `trustProxy ${trustProxy}`);
      });
    }
  });
});

describe('access: WebSocket origin', () => {
  function connect(url: string, origin?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, origin === undefined ? {} : { origin });
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  test('a page from another origin gets 403 before the upgrade; the own origin, allowed ones and programs get in', () =>
    withLive({ allowedOrigins: ['https://lms.example.edu'] }, async (live) => {
      assert.equal(await connect(live.wsUrl, 'https://evil.example'), 403);
      assert.equal(await connect(live.wsUrl, 'null'), 403);
      assert.equal(await connect(live.wsUrl, `http://127.0.0.1:${live.port + 1}`), 403);
      assert.equal(await connect(live.wsUrl, `http://127.0.0.1:${live.port}`), 101);
      assert.equal(await connect(live.wsUrl, 'https://lms.example.edu'), 101);
      assert.equal(await connect(live.wsUrl), 101);
      const h = await (await fetch(`${live.httpUrl}/healthz`)).json() as { connections: number };
      assert.ok(h.connections <= 3, 'the refused ones never became connections');
    }));
});

describe('access: class rooms', () => {
  test('a class room survives a restart: the student link still works, asks for its password, the host key still works', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lectern-classroom-'));
    try {
      let created: ServerMessageOf<'class-room-created'>;
      {
        const live = await Live.start({ dataDir });
        const teacher = await live.ready();
        teacher.send({ type: 'create-class-room', name: 'Physics 101', password: 'newton', maxParticipants: 2 });
        created = await teacher.next('class-room-created');
        assert.equal(created.name, 'Physics 101');
        assert.equal(created.lobby, true, 'the lobby is on unless turned off');
        assert.equal(created.password, true);
        assert.equal(created.maxParticipants, 2);
        assert.equal(refusal(await tryJoin(teacher, created.code)), 'PASSWORD_REQUIRED');
        await live.stop(false);
      }
      const live = await Live.start({ dataDir });
      try {
        const student = await live.ready();
        assert.equal(refusal(await tryJoin(student, created.code)), 'PASSWORD_REQUIRED');
        assert.equal(refusal(await tryJoin(student, created.code, { password: 'einstein' })), 'WRONG_PASSWORD');
        assert.equal(refusal(await tryJoin(student, created.code, { password: 'newton' }, 'Student')), 'lobby-waiting', 'the lobby is on by default');
        const teacher = await live.ready();
        assert.equal(refusal(await tryJoin(teacher, created.code, { hostKey: 'x'.repeat(43) })), 'WRONG_HOST_KEY');
        const hosted = await tryJoin(teacher, created.code, { hostKey: created.hostKey }, 'Teacher');
        assert.equal(roleOf(hosted), 'host', 'the host link makes a host, with no password and past the lobby');
        assert.equal(hosted.type === 'joined' && hosted.maxParticipants, 2, 'its maximum size applies');
        teacher.send({ type: 'admit', participantId: student.participantId });
        assert.equal(roleOf(await student.next('joined')), 'participant', 'the student link grants no host');
        const third = await live.ready();
        assert.equal(refusal(await tryJoin(third, created.code, { password: 'newton' })), 'lobby-waiting');
        teacher.send({ type: 'admit', participantId: third.participantId });
        assert.equal((await third.next('join-error')).code, 'ROOM_FULL');
        // A new ad-hoc session never takes the class room's code.
        assert.notEqual(await third.create(), created.code);
      } finally {
        await live.stop(false);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('one address may make only so many class rooms a day', () =>
    withLive({ classRoomsPerIp: 2 }, async (live) => {
      const c = await live.ready();
      for (const name of ['A', 'B']) {
        c.send({ type: 'create-class-room', name });
        await c.next('class-room-created');
      }
      c.send({ type: 'create-class-room', name: 'C' });
      const refused = await c.next('error');
      assert.equal(refused.code, 'RATE_LIMITED');
      assert.equal(refused.ref, 'create-class-room');
      assert.match(refused.message, /try again in \d+ s/);
    }));

  test('bad class room requests get clear errors and store nothing', () =>
    withLive({ maxClassRooms: 1 }, async (live) => {
      const c = await live.ready();
      c.send({ type: 'create-class-room', name: '  ' });
      assert.equal((await c.next('error')).code, 'BAD_MESSAGE');
      c.send({ type: 'create-class-room', name: 'A', maxParticipants: 500 });
      assert.equal((await c.next('error')).code, 'BAD_MESSAGE');
      c.send({ type: 'create-class-room', name: 'A', lobby: false });
      const first = await c.next('class-room-created');
      assert.equal(first.lobby, false);
      assert.equal(first.maxParticipants, live.config.maxParticipants);
      c.send({ type: 'create-class-room', name: 'B' });
      const full = await c.next('error');
      assert.equal(full.code, 'SERVER_BUSY');
      assert.equal(full.ref, 'create-class-room');
    }));
});

describe('access: join tokens', () => {
  const config = { jwtSecret: SECRET, publicUrl: AUDIENCE };

  test('a valid token joins with its name, opens its session, and passes the password', () =>
    withLive(config, async (live) => {
      const host = await live.ready();
      host.send({ type: 'create', password: 'pw' });
      const { code } = await host.next('created');
      const student = await live.ready();
      const joined = await tryJoin(student, code, { token: await signHs256(claims({ room: code, name: 'Grace Hopper' })) }, 'Typed Name');
      assert.equal(roleOf(joined), 'participant');
      assert.equal(joined.type === 'joined' && joined.self.name, 'Grace Hopper', 'the LMS says who this is');
      // A token may name a session that is not running: the LMS's word opens it, and its role claim counts.
      const teacher = await live.ready();
      const fresh = 'kmp-rtzw-bqd';
      assert.equal(roleOf(await tryJoin(teacher, fresh, { token: await signHs256(claims({ room: fresh, role: 'host', name: 'Prof' })) })), 'host');
      // A role in the join message itself is nothing: only the signed claim grants it.
      const claimant = await live.ready();
      assert.equal(roleOf(await tryJoin(claimant, fresh, { token: await signHs256(claims({ room: fresh })), role: 'host' })), 'participant');
    }));

  test('a student removed by the host cannot come back with a fresh token for the same person (sub)', () =>
    withLive(config, async (live) => {
      const code = 'kmp-rtzw-bqd';
      const teacher = await live.ready();
      assert.equal(roleOf(await tryJoin(teacher, code, { token: await signHs256(claims({ room: code, role: 'host', sub: 'lms-teacher' })) })), 'host');
      const student = await live.ready();
      assert.equal(roleOf(await tryJoin(student, code, { token: await signHs256(claims({ room: code, sub: 'lms-student-7' })) })), 'participant');
      teacher.send({ type: 'remove', participantId: student.participantId });
      await teacher.next('participant-left', (m) => m.participantId === student.participantId);
      const again = await live.ready();
      assert.equal(refusal(await tryJoin(again, code, { token: await signHs256(claims({ room: code, sub: 'lms-student-7' })) })), 'REMOVED');
      const other = await live.ready();
      assert.equal(roleOf(await tryJoin(other, code, { token: await signHs256(claims({ room: code, sub: 'lms-student-8' })) })), 'participant');
    }));

  test('bad tokens are refused with their codes and count as failed attempts', () =>
    withLive({ ...config, joinLimitIp: 5 }, async (live) => {
      const c = await live.ready();
      const code = await c.create();
      const now = Math.floor(Date.now() / 1000);
      const cases: Array<[string, string]> = [
        [await signHs256(claims({ room: code, exp: now - 120 })), 'TOKEN_EXPIRED'],
        [await signHs256(claims({ room: code, nbf: now + 600 })), 'TOKEN_NOT_YET_VALID'],
        [await signHs256(claims({ room: 'bcd-efgh-jkm' })), 'TOKEN_WRONG_ROOM'],
        [await signHs256(claims({ room: code, aud: 'https://elsewhere.example' })), 'TOKEN_WRONG_AUDIENCE'],
        [await signHs256(claims({ room: code }), 'not-the-secret-but-long-enough-000000000'), 'TOKEN_BAD_SIGNATURE'],
      ];
      for (const [token, expected] of cases) assert.equal(refusal(await tryJoin(c, code, { token })), expected);
      assert.equal(refusal(await tryJoin(c, code, { token: await signHs256(claims({ room: code })) })), 'RATE_LIMITED');
    }));

  test('a server without a JWT key refuses tokens with TOKEN_NOT_ACCEPTED', () =>
    withLive({}, async (live) => {
      const c = await live.ready();
      const code = await c.create();
      assert.equal(refusal(await tryJoin(c, code, { token: await signHs256(claims({ room: code })) })), 'TOKEN_NOT_ACCEPTED');
    }));
});

describe('access: join tokens with key files', () => {
  test('RS256 with --jwt-public-key and ES256 with --jwt-jwks; alg none and HS256 forged with the public key are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lectern-jwt-'));
    const rsa = keyPair('rsa');
    const ec = keyPair('ec');
    try {
      await writeFile(join(dir, 'lms.pem'), rsa.pem);
      await writeFile(join(dir, 'jwks.json'), JSON.stringify(await jwksOf(ec.publicKey, 'lms-2026', 'ES256')));
      await withLive({ jwtPublicKey: join(dir, 'lms.pem'), publicUrl: `${AUDIENCE}/` }, async (live) => {
        const c = await live.ready();
        const code = await c.create();
        assert.equal(refusal(await tryJoin(c, code, { token: unsigned(claims({ room: code, role: 'host' })) })), 'TOKEN_ALG_NOT_ALLOWED');
        assert.equal(refusal(await tryJoin(c, code, { token: await signHs256(claims({ room: code, role: 'host' }), rsa.pem) })), 'TOKEN_ALG_NOT_ALLOWED');
        // The audience is the public URL, with or without its trailing slash.
        assert.equal((await tryJoin(c, code, { token: await sign(claims({ room: code }), 'RS256', rsa.privateKey) })).type, 'joined');
      });
      await withLive({ jwtJwks: join(dir, 'jwks.json'), jwtAudience: 'lectern-test' }, async (live) => {
        const c = await live.ready();
        const code = await c.create();
        const token = await sign(claims({ room: code, aud: 'lectern-test' }), 'ES256', ec.privateKey, 'lms-2026');
        assert.equal((await tryJoin(c, code, { token })).type, 'joined');
      });
      await assert.rejects(Live.start({ jwtJwks: join(dir, 'missing.json'), jwtAudience: 'x' }), /ENOENT/);
      await writeFile(join(dir, 'bad.pem'), 'not a key');
      await assert.rejects(Live.start({ jwtPublicKey: join(dir, 'bad.pem'), jwtAudience: 'x' }), /join tokens: the public key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
