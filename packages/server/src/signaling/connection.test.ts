import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { discardUnparsedFrames } from './connection.js';

/**
 * A server socket that closes its client as abusive on the first frame (as Connection does):
 * close 1008, pause, and optionally drop what ws read but did not parse yet. Returns how many
 * frames ws still handed over after that, while the client had sent `frames` at once.
 */
async function framesAfterAbusiveClose(frames: number, discard: boolean): Promise<number> {
  // One frame per socket per event-loop turn, as the signaling server reads.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, allowSynchronousEvents: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  let after = 0;
  const closed = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      let closing = false;
      ws.on('message', () => {
        if (closing) {
          after++;
          return;
        }
        closing = true;
        ws.close(1008, 'flood');
        ws.pause();
        if (discard) discardUnparsedFrames(ws);
        setTimeout(() => ws.terminate(), 200);
      });
      ws.on('close', () => resolve());
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  client.on('error', () => {});
  await new Promise((resolve) => client.once('open', resolve));
  for (let i = 0; i < frames; i++) client.send('{"type":"ping","t":1}');
  await closed;
  client.terminate();
  await new Promise((resolve) => wss.close(resolve));
  return after;
}

describe('discardUnparsedFrames', () => {
  test('an abusive socket closed on its first frame hands over (almost) nothing of the backlog it already sent', async () => {
    const kept = await framesAfterAbusiveClose(5000, false);
    const dropped = await framesAfterAbusiveClose(5000, true);
    // Without it, ws keeps parsing what it read, a frame per event-loop turn (the cost this avoids).
    assert.ok(kept > 500, `without discarding, ws parses the backlog: ${kept} frames after the close`);
    assert.ok(dropped <= 1, `with it, at most the frame already on its way: ${dropped}`);
  });

  test('does nothing to a socket that is not a ws WebSocket with a receiver', () => {
    assert.doesNotThrow(() => discardUnparsedFrames({} as WebSocket));
  });
});
