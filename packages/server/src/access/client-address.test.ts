import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress } from './client-address.js';

const req = (xff: string | string[] | undefined, peer = '10.0.0.1') => ({ headers: xff === undefined ? {} : { 'x-forwarded-for': xff }, socket: { remoteAddress: peer } }) as never;

test('directly connected, the TCP peer counts, whatever the headers say', () => {
  assert.equal(clientAddress(req('203.0.113.9'), false), '10.0.0.1');
});

test('behind a trusted proxy, the last X-Forwarded-For entry counts; forged earlier ones do not', () => {
  assert.equal(clientAddress(req('203.0.113.9'), true), '203.0.113.9');
  assert.equal(clientAddress(req('1.1.1.1, 203.0.113.9'), true), '203.0.113.9');
  assert.equal(clientAddress(req(['1.1.1.1', '2001:db8::7']), true), '2001:db8::7');
  assert.equal(clientAddress(req(undefined), true), '10.0.0.1');
  assert.equal(clientAddress(req('not-an-ip'), true), '10.0.0.1');
  assert.equal(clientAddress(req(''), true), '10.0.0.1');
});
