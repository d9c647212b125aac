import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { atLeast, decideRole, hostKeyMatches, newHostKey } from './roles.js';

describe('roles', () => {
  test('a joiner with no credential is a participant', () => {
    assert.equal(decideRole({}), 'participant');
    assert.equal(decideRole({ hostKey: false, granted: null, remembered: null, resumed: null }), 'participant');
  });

  test('the host key makes the host; an external grant raises, never lowers', () => {
    assert.equal(decideRole({ hostKey: true }), 'host');
    assert.equal(decideRole({ granted: 'cohost' }), 'cohost');
    assert.equal(decideRole({ remembered: 'host', granted: 'participant' }), 'host');
    assert.equal(decideRole({ remembered: 'cohost', granted: 'host' }), 'host');
  });

  test('a member coming back keeps its role; the room’s memory wins over an older token', () => {
    assert.equal(decideRole({ remembered: 'cohost' }), 'cohost');
    assert.equal(decideRole({ resumed: 'host' }), 'host');
    assert.equal(decideRole({ remembered: 'participant', resumed: 'host' }), 'participant');
  });

  test('host keys are long, random and compared exactly', () => {
    const key = newHostKey();
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newHostKey(), key);
    assert.ok(hostKeyMatches(key, key));
    assert.ok(!hostKeyMatches(key, undefined));
    assert.ok(!hostKeyMatches(key, ''));
    assert.ok(!hostKeyMatches(key, key.slice(0, -1)));
    assert.ok(!hostKeyMatches(key, `${key}x`));
    assert.ok(!hostKeyMatches(key, key.toUpperCase()));
  });

  test('rank order', () => {
    assert.ok(atLeast('host', 'cohost') && atLeast('cohost', 'cohost') && !atLeast('participant', 'cohost'));
  });
});
