import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PublishedLayers, chooseLayers, type VideoLayer } from './layers.js';

function layers(rates: number[]): VideoLayer[] {
  return rates.map((bitrate, index) => ({ rid: 'qhf'[index]!, index, ssrc: 100 + index, bitrate, height: 720 / 2 ** (rates.length - 1 - index) }));
}

describe('simulcast layers', () => {
  test('SSRCs are learned from the rid extension; heights follow the offered order', () => {
    const p = new PublishedLayers(['q', 'h', 'f']);
    assert.equal(p.note(7, null, 1000, 0), null, 'unknown SSRC without a rid');
    assert.equal(p.note(7, 'x', 1000, 0), null, 'a rid that was not offered');
    assert.deepEqual([p.note(7, 'h', 1000, 0)!.height, p.note(8, 'q', 1000, 0)!.height, p.note(9, 'f', 1000, 0)!.height], [360, 180, 720]);
    assert.equal(p.note(7, null, 1000, 10)!.rid, 'h', 'known SSRCs need no rid');
    assert.deepEqual(p.active(20).map((l) => l.rid), ['q', 'h', 'f']);
    // 125 kB over 500 ms = 2 Mbit/s.
    p.note(9, null, 125_000 - 1000, 500);
    assert.equal(Math.round(p.bySsrc(9)!.bitrate), 2_000_000);
    // The top layer stops (the encoder dropped it): not offered any more.
    p.note(7, null, 10, 2000);
    p.note(8, null, 10, 2000);
    assert.deepEqual(p.active(2000).map((l) => l.rid), ['q', 'h']);
  });

  test('a publisher without simulcast has one layer', () => {
    const p = new PublishedLayers([]);
    assert.equal(p.note(5, null, 100, 0)!.height, 720);
    assert.equal(p.active(0).length, 1);
  });

  test('a restarted layer (new SSRC, same rid) replaces the old one', () => {
    const p = new PublishedLayers(['q', 'f']);
    p.note(1, 'f', 10, 0);
    p.note(2, 'f', 10, 100);
    assert.equal(p.bySsrc(1), undefined);
    assert.deepEqual(p.active(100).map((l) => l.ssrc), [2]);
  });

  test('each tile gets the smallest layer that fills it', () => {
    const l = layers([150e3, 500e3, 1500e3]);
    const pick = chooseLayers(
      [
        { key: 'small', layers: l, wantHeight: 120, current: null },
        { key: 'mid', layers: l, wantHeight: 340, current: null },
        { key: 'big', layers: l, wantHeight: 700, current: null },
        { key: 'huge', layers: l, wantHeight: 1400, current: null },
        { key: 'none', layers: [], wantHeight: 700, current: null },
        { key: 'hidden', layers: l, wantHeight: 0, current: 101 },
      ],
      Infinity,
    );
    assert.deepEqual([...pick].map(([k, v]) => [k, v?.rid ?? null]), [['small', 'q'], ['mid', 'h'], ['big', 'f'], ['huge', 'f'], ['none', null], ['hidden', null]]);
  });

  test('over budget, the costliest streams step down first; never below the lowest layer', () => {
    const l = layers([150e3, 500e3, 1500e3]);
    const req = (key: string) => ({ key, layers: l, wantHeight: 720, current: null });
    const rid = (m: Map<string, VideoLayer | null>) => [...m.values()].map((v) => v!.rid).join('');
    assert.equal(rid(chooseLayers([req('a'), req('b')], 3_100_000)), 'ff');
    assert.equal(rid(chooseLayers([req('a'), req('b')], 2_100_000)), 'hf');
    assert.equal(rid(chooseLayers([req('a'), req('b')], 1_000_000)), 'hh');
    assert.equal(rid(chooseLayers([req('a'), req('b')], 600_000)), 'qq');
    assert.equal(rid(chooseLayers([req('a'), req('b')], 1)), 'qq', 'the lowest layer rather than nothing');
  });
});
