import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Live } from '../live-support.test.js';

let live: Live;
before(async () => {
  live = await Live.start();
});
after(async () => {
  await live.stop();
});

describe('roles over a live server', () => {
  test('the creator joining with the host key is the host; others are participants', async () => {
    const { clients } = await live.session(['Ana', 'Ben']);
    const [ana, ben] = clients;
    const j = await (await live.ready()).joined([...ana!.hostKeys.keys()][0]!, 'Cy');
    const roles = Object.fromEntries(j.participants.map((p) => [p.id, p.role]));
    assert.equal(roles[ana!.participantId], 'host');
    assert.equal(roles[ben!.participantId], 'participant');
    assert.equal(j.self.role, 'participant');
  });

  test('a claimed role or a wrong host key grants nothing', async () => {
    const host = await live.ready();
    const code = await host.create();
    const key = host.hostKeys.get(code)!;
    const a = await live.ready();
    // Unknown fields are stripped by the schema: a claimed role is simply not there.
    a.send({ type: 'join', code, name: 'Claimer', media: { muted: false, cameraOff: false }, role: 'host' });
    assert.equal((await a.next('joined')).self.role, 'participant');
    const b = await live.ready();
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    b.send({ type: 'join', code, name: 'Guesser', media: { muted: false, cameraOff: false }, hostKey: wrong });
    assert.equal((await b.next('joined')).self.role, 'participant');
  });

  test('a host who reconnects with its resume token is host again', async () => {
    const { code, clients } = await live.session(['Ana', 'Ben']);
    const [ana, ben] = clients;
    const token = ana!.log.find((m) => m.type === 'joined');
    assert.ok(token?.type === 'joined');
    ana!.ws.terminate();
    await ben!.next('participant-left');
    const again = await live.client();
    await again.hello(token.resumeToken);
    const j = await again.joined(code, 'Ana');
    assert.equal(j.self.role, 'host');
  });

  test('a co-host made during the session gets a token with that role, and is co-host again after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lectern-roles-'));
    let first: Live | null = await Live.start({ dataDir: dir });
    let second: Live | null = null;
    try {
      const { code, clients } = await first.session(['Ana', 'Ben']);
      const [ana, ben] = clients;
      ana!.send({ type: 'set-role', participantId: ben!.participantId, role: 'cohost' });
      const renewed = await ben!.next('resume-token');
      await ben!.next('role');
      await first.stop(false);
      first = null;
      second = await Live.start({ dataDir: dir });
      const back = await second.client();
      assert.equal((await back.hello(renewed.resumeToken)).participantId, ben!.participantId);
      assert.equal((await back.joined(code, 'Ben')).self.role, 'cohost');
    } finally {
      await first?.stop(false);
      await second?.stop(false);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
