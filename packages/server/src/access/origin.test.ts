import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed } from './origin.js';

const own = { allowed: [], publicUrl: null };

test('the page the server itself served may connect; any other origin may not', () => {
  assert.equal(originAllowed('https://class.example.edu', 'class.example.edu', own), true);
  assert.equal(originAllowed('https://192.168.1.5:9000', '192.168.1.5:9000', own), true);
  assert.equal(originAllowed('http://[::1]:9000', '[::1]:9000', own), true);
  assert.equal(originAllowed('https://CLASS.example.edu', 'class.example.edu', own), true, 'host names compare case-insensitively');
  assert.equal(originAllowed('https://evil.example', 'class.example.edu', own), false);
  assert.equal(originAllowed('https://class.example.edu:8443', 'class.example.edu', own), false, 'another port is another origin');
  assert.equal(originAllowed('https://class.example.edu.evil.example', 'class.example.edu', own), false);
  assert.equal(originAllowed('null', 'class.example.edu', own), false, 'sandboxed frames and files');
  assert.equal(originAllowed('file://', 'class.example.edu', own), false);
  assert.equal(originAllowed('https://class.example.edu', undefined, own), false);
});

test('no Origin header is a program, not a browser page: allowed', () => {
  assert.equal(originAllowed(undefined, 'class.example.edu', own), true);
});

test('--public-url and --allowed-origins add origins; * allows any', () => {
  const policy = { allowed: ['https://lms.example.edu'], publicUrl: 'https://meet.example.edu/lectern/' };
  assert.equal(originAllowed('https://meet.example.edu', '10.0.0.5:9000', policy), true);
  assert.equal(originAllowed('https://lms.example.edu', '10.0.0.5:9000', policy), true);
  assert.equal(originAllowed('http://lms.example.edu', '10.0.0.5:9000', policy), false, 'the scheme is part of the origin');
  assert.equal(originAllowed('https://evil.example', '10.0.0.5:9000', policy), false);
  assert.equal(originAllowed('https://evil.example', '10.0.0.5:9000', { allowed: ['*'], publicUrl: null }), true);
});
