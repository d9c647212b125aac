import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LAYER_PAUSE_AFTER_MS, SentLayers } from './layer-pause.js';

const PAUSE = LAYER_PAUSE_AFTER_MS;

describe('SFU: pausing simulcast layers nobody needs (sfu-layers)', () => {
  test('a layer nobody wants is paused only after 5 s, and never the lowest', () => {
    const layers = new SentLayers(3, 0);
    assert.equal(layers.update(0, 0), null, 'only the lowest wanted: nothing changes yet');
    assert.equal(layers.update(0, PAUSE - 1), null, 'still within 5 s');
    assert.equal(layers.update(0, PAUSE), 1, 'after 5 s unwanted: only the lowest is sent');
    assert.equal(layers.count, 1);
    assert.equal(layers.update(-1, PAUSE * 3), null, 'nobody shows it at all: the lowest stays on');
    assert.equal(layers.count, 1);
  });

  test('a wanted layer comes back at once', () => {
    const layers = new SentLayers(3, 0);
    assert.equal(layers.update(0, PAUSE), 1);
    assert.equal(layers.update(2, PAUSE + 1), 3, 'a receiver enlarged its tile: all three again, no wait');
    assert.equal(layers.update(1, PAUSE + 2), null);
  });

  test('steps down one layer at a time as the largest tile shrinks', () => {
    const layers = new SentLayers(3, 0);
    assert.equal(layers.update(1, 1000), null);
    assert.equal(layers.update(1, 1000 + PAUSE), 2, 'the top layer paused; the middle one is still wanted');
    // The middle layer is now the top one sent and it is still wanted: it stays.
    assert.equal(layers.update(1, 1000 + PAUSE * 3), null);
    assert.equal(layers.update(0, 1000 + PAUSE * 3 + 1), null, 'the middle layer gets its own 5 s');
    assert.equal(layers.update(0, 1000 + PAUSE * 4), 1);
  });

  test('a window resized back and forth within 5 s never pauses the top layer', () => {
    const layers = new SentLayers(3, 0);
    const changes: number[] = [];
    for (let t = 0; t < PAUSE * 4; t += 500) {
      // Small for four seconds, large for half a second, and again.
      const changed = layers.update(t % 4500 === 0 ? 2 : 0, t);
      if (changed !== null) changes.push(changed);
    }
    assert.deepEqual(changes, []);
    assert.equal(layers.count, 3);
  });

  test('a publisher that starts with fewer layers (one paused earlier) goes up when asked', () => {
    const layers = new SentLayers(1, 0);
    assert.equal(layers.update(1, 10), 2);
    assert.equal(layers.update(2, 20), 3);
  });
});
