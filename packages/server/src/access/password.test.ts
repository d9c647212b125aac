import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from './password.js';

test('a stored password is a salted scrypt hash that verifies only the same password', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.ok(!a.includes('correct horse'));
  assert.notEqual(a, b, 'each hash has its own random salt');
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horse', b), true);
  assert.equal(await verifyPassword('correct horse ', a), false);
  assert.equal(await verifyPassword('Correct horse', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('the same characters in another Unicode normal form are the same password', async () => {
  const hash = await hashPassword('caf\u00e9');
  assert.equal(await verifyPassword('cafe\u0301', hash), true);
});

test('a damaged or foreign hash verifies nothing and never asks scrypt for huge memory', async () => {
  const good = await hashPassword('pw');
  const [, , r, p, salt, key] = good.split('$');
  for (const bad of [
    '',
    'plain',
    'bcrypt$2b$10$abc',
    `scrypt$1048576000$${r}$${p}$${salt}$${key}`,
    `scrypt$16385$${r}$${p}$${salt}$${key}`,
    `scrypt$16384$${r}$2$${salt}$${key}`,
    `scrypt$16384$${r}$${p}$$${key}`,
    `scrypt$16384$${r}$${p}$${salt}$short`,
  ]) {
    assert.equal(await verifyPassword('pw', bad), false, bad);
  }
});
