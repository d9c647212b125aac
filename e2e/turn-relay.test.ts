import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { relayOnlyCall, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

// The built-in relay on loopback: nothing but the relay's own ports are reachable through it
// (no --turn-allow-peer), yet two relay-only browsers meet relay to relay.
const env = useServerAndBrowser({ before, after }, () => startTestServer({ http: false }));

test('two browsers with iceTransportPolicy "relay" get media through the built-in TURN relay', async () => {
  const turn = env.server.server.turn;
  assert.ok(turn, 'the relay runs by default');
  const { alice, bob } = await relayOnlyCall(env.browser, env.server.url);
  const first = turn.counters;
  assert.ok(first.allocations >= 2, `allocations: ${first.allocations}`);
  await waitFor(() => turn.counters.bytesRelayed > first.bytesRelayed + 50_000, { what: 'relayed bytes to keep rising', timeoutMs: 20_000 });
  await Promise.all([alice.context().close(), bob.context().close()]);
});
