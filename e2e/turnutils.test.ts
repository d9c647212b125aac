// coturn's own test clients (Debian package "coturn", installed by scripts/ensure-system-deps.sh)
// against the built-in relay: a STUN/TURN client nobody on this project wrote.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mintCredential } from '@lectern/server';
import { freeUdpPort, runCommand as run, startTestServer, uclientSummary, type TestServer } from '@lectern/testing';

const SECRET = 'turnutils-test-secret';
const TOOLS = ['/usr/bin/turnutils_uclient', '/usr/bin/turnutils_stunclient', '/usr/bin/turnutils_peer'];

let testServer: TestServer;
let peer: ChildProcess;
let peerPort: number;

/** Totals from turnutils_uclient's summary lines (the test fails when there are none). */
function summary(out: string): { sent: number; received: number; lost: number } {
  const s = uclientSummary(out);
  assert.ok(s, `no summary in uclient output:\n${out.slice(-2000)}`);
  return s;
}

const turn = () => testServer.server.turn!;

function credential(who: string): string[] {
  const c = mintCredential(SECRET, who, 600);
  return ['-u', c.username, '-w', c.credential];
}

describe('coturn turnutils against the built-in relay', () => {
  before(async () => {
    for (const t of TOOLS) assert.ok(existsSync(t), `${t} is missing: run "npm test" (scripts/ensure-system-deps.sh installs coturn)`);
    testServer = await startTestServer({
      http: false, // HTTPS, so TURN over TLS runs too
      turnSecret: SECRET,
      // turnutils_uclient relays to a peer on loopback, which is denied by default.
      turnAllowPeer: ['127.0.0.0/8'],
    });
    peerPort = await freeUdpPort();
    // turnutils_peer is coturn's UDP echo peer for uclient.
    peer = spawn('/usr/bin/turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
  });

  after(async () => {
    peer?.kill('SIGKILL');
    await testServer?.close();
  });

  test('turnutils_stunclient gets its reflexive address over UDP', async () => {
    const { code, out } = await run('/usr/bin/turnutils_stunclient', ['-p', String(turn().ports.udp), '127.0.0.1'], 20_000);
    assert.equal(code, 0, out);
    assert.match(out, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });

  for (const [name, flags, port] of [
    ['UDP', [], 'udp'],
    ['TCP', ['-t'], 'tcp'],
    ['TLS', ['-t', '-S'], 'tls'],
  ] as const) {
    test(`turnutils_uclient over ${name}: channels and RTCP reservations, 5 clients × 200 messages, ${name === 'TLS' ? 'every byte relayed' : '0 lost'}`, async (t) => {
      const before = turn().counters;
      const { code, out } = await run('/usr/bin/turnutils_uclient', [
        ...flags, '-p', String(turn().ports[port]), ...credential(`uclient-${name}`),
        '-e', '127.0.0.1', '-r', String(peerPort), '-n', '200', '-m', '5', '-l', '170', '-z', '5', '127.0.0.1',
      ]);
      assert.equal(code, 0, out.slice(-2000));
      const s = summary(out);
      t.diagnostic(`${name}: sent ${s.sent}, received ${s.received}, lost ${s.lost}`);
      assert.ok(s.sent >= 1000, `sent ${s.sent}`);
      const after = turn().counters;
      assert.ok(after.allocationsCreated >= before.allocationsCreated + 5, 'an allocation per client');
      assert.equal(after.bytesRelayed - before.bytesRelayed, 2 * s.sent * 170, 'every message relayed to the peer and back to the client');
      assert.equal(after.packetsDropped, before.packetsDropped);
      if (port === 'tls') {
        // uclient's TLS reader loses frames that share a TLS record when the machine is busy;
        // coturn's own turnserver shows the same loss with it (measured: 47% on a loaded box).
        // The relay's own counters above prove every byte went both ways.
        assert.ok(s.received > 0, 'data came back over TLS');
        return;
      }
      assert.equal(s.received, s.sent, out.slice(-1500));
      assert.equal(s.lost, 0);
    });
  }

  test('turnutils_uclient with Send/Data indications and client-to-client relaying (-s -y), 0 lost', async () => {
    const { code, out } = await run('/usr/bin/turnutils_uclient', ['-s', '-y', '-p', String(turn().ports.udp), ...credential('uclient-y'), '-n', '100', '-m', '4', '-z', '5', '127.0.0.1']);
    assert.equal(code, 0, out.slice(-2000));
    const s = summary(out);
    assert.equal(s.received, s.sent);
    assert.ok(s.sent >= 400);
    assert.equal(s.lost, 0);
  });

  test('a wrong password cannot allocate', async () => {
    const [, user] = credential('intruder');
    const { code, out } = await run('/usr/bin/turnutils_uclient', ['-p', String(turn().ports.udp), '-u', user!, '-w', 'd3JvbmcgcGFzc3dvcmQ=', '-e', '127.0.0.1', '-r', String(peerPort), '-n', '5', '127.0.0.1'], 30_000);
    assert.notEqual(code, 0);
    assert.match(out, /Cannot complete Allocation|error 401/);
    assert.doesNotMatch(out, /tot_recv_msgs=[1-9]/);
  });
});
