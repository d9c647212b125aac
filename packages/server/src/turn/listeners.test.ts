import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import pino from 'pino';
import { TurnServer } from './listeners.js';
import { PeerPolicy } from './peer-policy.js';
import { Class, Method, decodeStun, encodeStun } from './stun-message.js';
import { LIMITS } from './turn-support.test.js';

let server: TurnServer;
before(async () => {
  server = new TurnServer(
    { realm: 'lectern', secret: () => 's', nonceKey: Buffer.alloc(32), policy: new PeerPolicy(), limits: LIMITS, log: pino({ level: 'silent' }) },
    { hosts: ['127.0.0.1'], udpPort: 0, tcpPort: 0, tlsPort: null, tls: null },
  );
  await server.start();
});
after(async () => {
  await server.close();
});

const binding = () => encodeStun({ method: Method.Binding, cls: Class.Request, transactionId: Buffer.alloc(12, 5), attributes: [] }, { fingerprint: true });

/** Opens a TCP connection, writes `chunks`, and returns what came back before the server or a timeout closed it. */
async function tcpExchange(chunks: Buffer[], waitMs = 1500): Promise<{ data: Buffer; closedByServer: boolean }> {
  const socket = connect(server.ports.tcp!, '127.0.0.1');
  await once(socket, 'connect');
  const got: Buffer[] = [];
  socket.on('data', (d: Buffer) => got.push(d));
  for (const c of chunks) socket.write(c);
  const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs))]);
  socket.destroy();
  return { data: Buffer.concat(got), closedByServer: closed };
}

test('TCP: a Binding split across writes is answered', async () => {
  const b = binding();
  const { data } = await tcpExchange([b.subarray(0, 3), b.subarray(3, 21), b.subarray(21)], 500);
  const r = decodeStun(data);
  assert.ok(r.ok && r.message.cls === Class.Success);
});

test('TCP: garbage, a length that is not a multiple of 4, or a bad cookie close the connection', async () => {
  for (const bad of [Buffer.from([0x80, 1, 2, 3]), Buffer.from([0, 1, 0, 3, 0x21, 0x12, 0xa4, 0x42]), Buffer.from([0, 1, 0, 4, 1, 2, 3, 4])]) {
    const { closedByServer } = await tcpExchange([bad]);
    assert.ok(closedByServer, bad.toString('hex'));
  }
});

test('TCP: a truncated frame and a huge declared length neither crash nor answer', async () => {
  const { data } = await tcpExchange([Buffer.from([0x00, 0x01, 0xff, 0xfc, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3])], 300);
  assert.equal(data.length, 0);
  const after = await tcpExchange([binding()], 300);
  assert.ok(decodeStun(after.data).ok, 'still serving');
});

test('UDP: junk of every size is dropped and the server keeps answering', async () => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (let n = 0; n < 600; n += 7) s.send(Buffer.alloc(n, n & 0xff), server.ports.udp!, '127.0.0.1');
  s.send(Buffer.from([0x40, 0x00, 0xff, 0xff]), server.ports.udp!, '127.0.0.1');
  s.send(binding(), server.ports.udp!, '127.0.0.1');
  const [reply] = (await once(s, 'message')) as [Buffer];
  s.close();
  const r = decodeStun(reply);
  assert.ok(r.ok && r.message.method === Method.Binding && r.message.cls === Class.Success);
});
