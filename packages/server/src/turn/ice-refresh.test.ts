import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Live } from '../live-support.test.js';
import { parseUsername, restPassword } from './credentials.js';

let live: Live;
before(async () => {
  // A 2 s credential: renewal is due after 80% of it.
  live = await Live.start({ turnSecret: 'refresh-secret', turnCredentialTtlS: 2 });
});
after(async () => {
  await live.stop();
});

test('welcome carries STUN + TURN (UDP, TCP) at the Host the client used, with a personal credential', async () => {
  const c = await live.client();
  const w = await c.hello();
  const [stun, turn] = w.iceServers;
  const ports = live.server.turn!.ports;
  assert.equal(stun!.urls, `stun:127.0.0.1:${ports.udp}`);
  assert.deepEqual(turn!.urls, [`turn:127.0.0.1:${ports.udp}?transport=udp`, `turn:127.0.0.1:${ports.tcp}?transport=tcp`], 'no turns: over plain HTTP');
  assert.equal(parseUsername(turn!.username!)!.user, w.participantId);
  assert.equal(turn!.credential, restPassword('refresh-secret', turn!.username!));
});

test('"ice-servers" renews the credential before it expires', async () => {
  const c = await live.client();
  const w = await c.hello();
  const old = parseUsername(w.iceServers[1]!.username!)!;
  const renewed = await c.next('ice-servers', () => true, 5000);
  assert.ok(Date.now() <= old.expiry * 1000 + 999, 'before the old one ran out');
  const fresh = renewed.iceServers[1]!;
  const parsed = parseUsername(fresh.username!)!;
  assert.equal(parsed.user, w.participantId);
  assert.ok(parsed.expiry >= old.expiry, 'a later expiry');
  assert.equal(fresh.credential, restPassword('refresh-secret', fresh.username!));
});
