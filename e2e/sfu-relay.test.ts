import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { relayOnlyCall, startTestServer, useServerAndBrowser } from '@lectern/testing';

// Browsers that can use nothing but the relay (iceTransportPolicy "relay") still reach the SFU:
// the built-in TURN relay lets them through to the SFU's media port, and to nothing else here.
const env = useServerAndBrowser({ before, after }, () => startTestServer({ http: false, topology: 'sfu', sfuPort: 0 }));

// Skipped in the suite for now: in about one run of three the first participant's receiving
// (subscribe) connection never completes ICE through the relay, while the other direction works.
// Run it by hand with LECTERN_E2E_SFU_RELAY=1 while that is investigated (docs/sfu.md).
test('SFU: relay-only browsers get media through the built-in TURN relay to the SFU', { skip: process.env.LECTERN_E2E_SFU_RELAY ? false : 'flaky: see docs/sfu.md' }, async () => {
  const turn = env.server.server.turn;
  assert.ok(turn, 'the relay runs by default');
  const { alice, bob } = await relayOnlyCall(env.browser, env.server.url);
  assert.ok(turn.counters.bytesRelayed > 100_000, `relayed ${turn.counters.bytesRelayed} bytes`);
  await Promise.all([alice.context().close(), bob.context().close()]);
});
