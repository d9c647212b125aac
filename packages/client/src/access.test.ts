import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialsFromLink, hostLink, studentLink, tokenName } from './access.js';

test('a link carries a host key and a token in its fragment, or a token in its query', () => {
  assert.deepEqual(credentialsFromLink({ hash: '', search: '' }), {});
  assert.deepEqual(credentialsFromLink({ hash: '#host=abc_DEF-123', search: '' }), { hostKey: 'abc_DEF-123' });
  assert.deepEqual(credentialsFromLink({ hash: '#token=h.p.s', search: '' }), { token: 'h.p.s' });
  assert.deepEqual(credentialsFromLink({ hash: '', search: '?token=h.p.s&ice=relay' }), { token: 'h.p.s' });
  assert.deepEqual(credentialsFromLink({ hash: '#token=frag', search: '?token=query' }), { token: 'frag' }, 'the fragment wins');
});

test('student and host links of a class room', () => {
  assert.equal(studentLink('https://class.example.edu', 'kmp-rtzw-bqd'), 'https://class.example.edu/kmp-rtzw-bqd');
  const link = hostLink('https://class.example.edu', 'kmp-rtzw-bqd', 'Jm4c1Xo9QvN2bT7yHk3rLw8sZp0aEd6f');
  assert.equal(link, 'https://class.example.edu/kmp-rtzw-bqd#host=Jm4c1Xo9QvN2bT7yHk3rLw8sZp0aEd6f');
  const url = new URL(link);
  assert.deepEqual(credentialsFromLink(url), { hostKey: 'Jm4c1Xo9QvN2bT7yHk3rLw8sZp0aEd6f' });
});

test('the name in a join token, read for the name field only; anything odd gives null', () => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  assert.equal(tokenName(`${part({ alg: 'HS256' })}.${part({ name: 'Zoë Ångström', room: 'x' })}.sig`), 'Zoë Ångström');
  assert.equal(tokenName(`${part({ alg: 'HS256' })}.${part({ room: 'x' })}.sig`), null);
  assert.equal(tokenName(`${part({ alg: 'HS256' })}.${part({ name: 42 })}.sig`), null);
  assert.equal(tokenName('garbage'), null);
  assert.equal(tokenName('a.%%%.c'), null);
});
