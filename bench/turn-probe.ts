/**
 * A minimal TURN client for the benchmark's latency probe: allocates over UDP, binds a channel
 * to an echo peer, and times ping → echo round trips through the relay one at a time.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  StunAttr,
  StunClass,
  StunMethod,
  channelNumberAttr,
  decodeStun,
  encodeChannelData,
  encodeStun,
  encodeXorAddress,
  fromSocket,
  getAttr,
  longTermKey,
  mintCredential,
  readErrorCode,
  textAttr,
} from '@lectern/server';

const CHANNEL = 0x4000;

export interface ProbeResult {
  rttsMs: number[];
  lost: number;
}

async function request(socket: Socket, server: { port: number }, bytes: Buffer): Promise<ReturnType<typeof decodeStun>> {
  for (let attempt = 0; attempt < 5; attempt++) {
    socket.send(bytes, server.port, '127.0.0.1');
    const reply = await Promise.race([once(socket, 'message').then(([m]) => m as Buffer), new Promise<null>((r) => setTimeout(() => r(null), 500))]);
    if (reply) return decodeStun(reply);
  }
  throw new Error('TURN server did not answer');
}

/** Allocates on `port` with REST API credentials, binds a channel to the echo peer, pings `count` times. */
export async function probeRtt(port: number, secret: string, realm: string, peerPort: number, count: number, payloadBytes: number): Promise<ProbeResult> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const server = { port };
  const cred = mintCredential(secret, `probe${randomBytes(3).toString('hex')}`, 3600);
  const key = longTermKey(cred.username, realm, cred.credential);
  try {
    const transport = { type: StunAttr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) };
    const challenge = await request(socket, server, encodeStun({ method: StunMethod.Allocate, cls: StunClass.Request, transactionId: randomBytes(12), attributes: [transport] }));
    if (!challenge.ok) throw new Error('bad challenge');
    const nonce = getAttr(challenge.message, StunAttr.Nonce)!.toString();
    const signed = (method: number, attrs: { type: number; value: Buffer }[], tid = randomBytes(12)) =>
      encodeStun(
        { method, cls: StunClass.Request, transactionId: tid, attributes: [...attrs, textAttr(StunAttr.Username, cred.username), textAttr(StunAttr.Realm, realm), textAttr(StunAttr.Nonce, nonce)] },
        { integrityKey: key, fingerprint: true },
      );
    const alloc = await request(socket, server, signed(StunMethod.Allocate, [transport]));
    if (!alloc.ok || alloc.message.cls !== StunClass.Success) throw new Error(`allocate failed: ${alloc.ok ? readErrorCode(getAttr(alloc.message, StunAttr.ErrorCode)) : alloc.reason}`);
    const tid = randomBytes(12);
    const peer = { type: StunAttr.XorPeerAddress, value: encodeXorAddress(fromSocket('127.0.0.1', peerPort)!, tid) };
    const bind = await request(socket, server, signed(StunMethod.ChannelBind, [peer, channelNumberAttr(CHANNEL)], tid));
    if (!bind.ok || bind.message.cls !== StunClass.Success) throw new Error('channel bind failed');

    const rttsMs: number[] = [];
    let lost = 0;
    for (let i = 0; i < count; i++) {
      const payload = Buffer.alloc(payloadBytes);
      payload.writeUInt32BE(i, 0);
      const t0 = process.hrtime.bigint();
      socket.send(encodeChannelData(CHANNEL, payload, false), port, '127.0.0.1');
      const echoed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          socket.off('message', onMessage);
          resolve(false);
        }, 1000);
        const onMessage = (m: Buffer) => {
          if (m.length >= 8 && m.readUInt16BE(0) === CHANNEL && m.readUInt32BE(4) === i) {
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve(true);
          }
        };
        socket.on('message', onMessage);
      });
      if (echoed) rttsMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      else lost++;
      await new Promise((r) => setTimeout(r, 5));
    }
    return { rttsMs, lost };
  } finally {
    socket.close();
  }
}
