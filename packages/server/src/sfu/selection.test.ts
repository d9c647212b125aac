import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { selectSlots, type SlotHolder } from './selection.js';

const P = (id: string) => ({ participantId: id });
const slots = (...ids: Array<string | null>): SlotHolder[] => ids.map((participantId) => ({ participantId }));
/** Applies the changes and returns who each slot holds. */
function run(s: SlotHolder[], ranked: string[], beats: (c: string, h: string) => boolean = () => true): Array<string | null> {
  for (const { slot, source } of selectSlots(s, ranked.map(P), (c, h) => beats(c.participantId, h.participantId))) slot.participantId = source?.participantId ?? null;
  return s.map((x) => x.participantId);
}

describe('SFU slot selection', () => {
  test('empty slots take the best sources in rank order; extra slots stay idle', () => {
    assert.deepEqual(run(slots(null, null, null), ['a', 'b']), ['a', 'b', null]);
    assert.deepEqual(run(slots(null, null), ['c', 'a', 'b']), ['c', 'a']);
  });

  test('holders keep their slot when the ranking merely reorders them (no flapping)', () => {
    const s = slots('a', 'b');
    assert.deepEqual(selectSlots(s, ['b', 'a'].map(P), () => true), []);
    assert.deepEqual(run(s, ['b', 'a']), ['a', 'b']);
  });

  test('a better-ranked challenger replaces the weakest holder only when it beats it', () => {
    assert.deepEqual(run(slots('a', 'b'), ['c', 'a', 'b'], () => false), ['a', 'b'], 'not beaten: nothing moves');
    assert.deepEqual(run(slots('a', 'b'), ['c', 'a', 'b']), ['a', 'c'], 'b was weakest');
    assert.deepEqual(run(slots('a', 'b'), ['a', 'b', 'c']), ['a', 'b'], 'a worse-ranked source never takes a slot');
  });

  test('a source that is gone (left, or stopped sending) frees its slot for the next one', () => {
    assert.deepEqual(run(slots('a', 'b'), ['b', 'c']), ['c', 'b']);
    assert.deepEqual(run(slots('a', 'b'), []), [null, null]);
  });

  test('the input slots are not modified by selection itself', () => {
    const s = slots('a', null);
    selectSlots(s, ['b', 'c'].map(P), () => true);
    assert.deepEqual(
      s.map((x) => x.participantId),
      ['a', null],
    );
  });
});
