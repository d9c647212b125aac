import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateMachine } from './state.js';

type S = 'a' | 'b' | 'c';
const TABLE: Record<S, readonly S[]> = { a: ['b'], b: ['a', 'c'], c: [] };

function machine() {
  const changes: Array<[S, S]> = [];
  const sm = new StateMachine<S>('a', TABLE, (to, from) => changes.push([to, from]));
  return { sm, changes };
}

describe('StateMachine', () => {
  it('starts in the initial state', () => {
    assert.equal(machine().sm.state, 'a');
  });

  it('a legal transition changes state and calls onChange(to, from)', () => {
    const { sm, changes } = machine();
    sm.transition('b');
    sm.transition('c');
    assert.equal(sm.state, 'c');
    assert.deepEqual(changes, [
      ['b', 'a'],
      ['c', 'b'],
    ]);
  });

  it('an illegal transition throws and changes nothing', () => {
    const { sm, changes } = machine();
    assert.throws(() => sm.transition('c'), /illegal state transition a → c/);
    assert.equal(sm.state, 'a');
    assert.deepEqual(changes, []);
  });

  it('a terminal state allows no moves', () => {
    const { sm } = machine();
    sm.transition('b');
    sm.transition('c');
    assert.throws(() => sm.transition('a'));
    assert.throws(() => sm.transition('b'));
  });

  it('moving to the current state is a no-op without onChange', () => {
    const { sm, changes } = machine();
    sm.transition('a');
    assert.equal(sm.state, 'a');
    assert.deepEqual(changes, []);
  });

  it('can() reports legality without moving', () => {
    const { sm } = machine();
    assert.equal(sm.can('b'), true);
    assert.equal(sm.can('c'), false);
    assert.equal(sm.state, 'a');
  });
});
