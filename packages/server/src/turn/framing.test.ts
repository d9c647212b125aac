import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { iceServersFor, uriHost } from './ice-servers.js';
import { parseUsername, restPassword } from './credentials.js';
import { StreamFramer, encodeChannelData } from './framing.js';
import { Class, Method, encodeStun } from './stun-message.js';

const stunFrame = (n: number) => encodeStun({ method: Method.Binding, cls: Class.Request, transactionId: Buffer.alloc(12, n), attributes: [] });

describe('TCP framing', () => {
  test('STUN and padded ChannelData frames come out whole, whatever the chunking', () => {
    const frames = [stunFrame(1), encodeChannelData(0x4001, Buffer.from('abcde'), true), stunFrame(2), encodeChannelData(0x4fff, Buffer.alloc(0), true)];
    const stream = Buffer.concat(frames);
    for (const size of [1, 3, 7, 64, stream.length]) {
      const framer = new StreamFramer();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...framer.push(stream.subarray(i, i + size))!);
      assert.deepEqual(out, frames, `chunks of ${size}`);
    }
    assert.equal(encodeChannelData(0x4001, Buffer.from('abcde'), true).length, 12, '5 data bytes padded to 8 on streams');
    assert.equal(encodeChannelData(0x4001, Buffer.from('abcde'), false).length, 9, 'no padding on UDP');
  });

  test('a stream that is neither STUN nor ChannelData is poisoned, not buffered forever', () => {
    for (const bad of [Buffer.from([0x80, 0x00, 0x00, 0x00]), Buffer.from([0x00, 0x01, 0x00, 0x03]), Buffer.from([0x00, 0x01, 0x00, 0x04, 1, 2, 3, 4]), Buffer.from([0xff, 0xff, 0, 0])]) {
      const framer = new StreamFramer();
      assert.equal(framer.push(bad), null, bad.toString('hex'));
      assert.equal(framer.push(stunFrame(1)), null, 'stays poisoned');
    }
  });

  test('a truncated frame waits for the rest', () => {
    const framer = new StreamFramer();
    const f = stunFrame(3);
    assert.deepEqual(framer.push(f.subarray(0, 10)), []);
    assert.deepEqual(framer.push(f.subarray(10)), [f]);
  });
});

describe('ICE servers handed to clients', () => {
  const ports = { udp: 3478, tcp: 3478, tls: 5349 };

  test('URLs name the host the client connected to, IPv6 in brackets', () => {
    assert.equal(uriHost('192.168.1.20:9000'), '192.168.1.20');
    assert.equal(uriHost('[fd00::5]:9000'), '[fd00::5]');
    assert.equal(uriHost('Class.Example.org'), 'class.example.org');
    assert.equal(uriHost('evil.org/x?y'), null);
    assert.equal(uriHost('user@evil.org'), null);
    assert.equal(uriHost(null), null);
    const grant = iceServersFor({ kind: 'builtin', ports, secret: 's', ttlS: 600 }, 'p1', '192.168.1.20:9000', '::', 1_800_000_000_000);
    assert.deepEqual(grant.iceServers[0], { urls: 'stun:192.168.1.20:3478' });
    assert.deepEqual(grant.iceServers[1]!.urls, ['turn:192.168.1.20:3478?transport=udp', 'turn:192.168.1.20:3478?transport=tcp', 'turns:192.168.1.20:5349?transport=tcp']);
    assert.equal(grant.expiresAt, 1_800_000_600_000);
  });

  test('credentials follow the TURN REST API scheme', () => {
    const grant = iceServersFor({ kind: 'builtin', ports: { ...ports, tls: null }, secret: 'sekrit', ttlS: 600 }, 'p1', null, '10.0.0.1', 1_800_000_000_000);
    const turn = grant.iceServers[1]!;
    assert.equal(turn.username, '1800000600:p1');
    assert.deepEqual(parseUsername(turn.username!), { expiry: 1_800_000_600, user: 'p1' });
    assert.equal(turn.credential, restPassword('sekrit', '1800000600:p1'));
    assert.equal((turn.urls as string[]).length, 2, 'no turns: without TLS');
    assert.ok((turn.urls as string[])[0]!.includes('10.0.0.1'), 'falls back to the listen address');
  });

  test('an external TURN server gets the same scheme; none gives no servers', () => {
    const ext = iceServersFor({ kind: 'external', urls: ['turn:turn.example.org:3478'], secret: 'x', ttlS: 60 }, 'p2', 'a:1', '::', 0);
    assert.deepEqual(ext.iceServers, [{ urls: ['turn:turn.example.org:3478'], username: '60:p2', credential: restPassword('x', '60:p2') }]);
    assert.deepEqual(iceServersFor({ kind: 'none' }, 'p', null, '::'), { iceServers: [], expiresAt: null });
  });
});
