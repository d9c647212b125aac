import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { channelNumber, decodeXorAddress, encodeXorAddress, fromSocket, ipBytes, readU32, text, type TransportAddress } from './attributes.js';
import { mintCredential } from './credentials.js';
import { encodeChannelData } from './framing.js';
import { Attr, Class, Method, decodeStun, getAttr, integrityOk, type StunMessage } from './stun-message.js';
import { longTermKey } from './credentials.js';
import type { TurnCore } from './turn-server.js';
import { FakeTurnClient, ManualClock, REALM, codeOf, lifetime, makeCore } from './turn-support.test.js';

const cores: TurnCore[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.close();
});

function setup(options: Parameters<typeof makeCore>[0] = {}) {
  const made = makeCore(options);
  cores.push(made.core);
  const client = (who = 'alice') => new FakeTurnClient(made.core, who, made.clock);
  return { ...made, client };
}

function peerAttr(m: { transactionId?: Buffer }, addr: TransportAddress, tid: Buffer) {
  void m;
  return { type: Attr.XorPeerAddress, value: encodeXorAddress(addr, tid) };
}

/** XOR-PEER-ADDRESS depends on the transaction id; build requests through this. */
async function withPeer(c: FakeTurnClient, method: number, peers: TransportAddress[], extra: { type: number; value: Buffer }[] = []): Promise<StunMessage> {
  // The id is chosen inside build(); encode peers against it by building twice.
  for (let i = 0; i < 3; i++) {
    if (!c.nonce) await c.primeNonce();
    const probe = c.build(method, []);
    const tid = probe.subarray(8, 20);
    const attrs = [...peers.map((p) => peerAttr({}, p, tid)), ...extra];
    const bytes = rebuild(c, method, attrs, tid);
    const reply = (await c.raw(bytes))!;
    if (codeOf(reply) !== 438) return reply;
    c.nonce = getAttr(reply, Attr.Nonce)!.toString();
  }
  throw new Error('stale nonce');
}

function rebuild(c: FakeTurnClient, method: number, attrs: { type: number; value: Buffer }[], tid: Buffer): Buffer {
  const { encodeStun } = stun;
  return encodeStun(
    {
      method,
      cls: Class.Request,
      transactionId: Buffer.from(tid),
      attributes: [...attrs, text(Attr.Username, c.username), text(Attr.Realm, REALM), text(Attr.Nonce, c.nonce)],
    },
    { integrityKey: longTermKey(c.username, REALM, c.password), fingerprint: true },
  );
}
import * as stun from './stun-message.js';

const addr = (ip: string, port = 5000): TransportAddress => fromSocket(ip, port)!;

describe('TURN core: Binding and authentication', () => {
  test('Binding answers with the client address in XOR-MAPPED-ADDRESS', async () => {
    const { client } = setup();
    const c = client();
    const reply = (await c.raw(c.build(Method.Binding, [], false)))!;
    assert.equal(reply.cls, Class.Success);
    const mapped = decodeXorAddress(getAttr(reply, Attr.XorMappedAddress)!, reply.transactionId)!;
    assert.equal(mapped.port, c.link.remote.port);
  });

  test('Allocate without credentials → 401 with REALM and NONCE; with them → relayed address, 600 s', async () => {
    const { client } = setup();
    const c = client();
    const challenge = (await c.raw(c.build(Method.Allocate, [], false)))!;
    assert.equal(codeOf(challenge), 401);
    assert.equal(getAttr(challenge, Attr.Realm)?.toString(), REALM);
    assert.ok(getAttr(challenge, Attr.Nonce)!.length > 8);
    const ok = await c.allocate();
    assert.equal(codeOf(ok), 0);
    const relay = decodeXorAddress(getAttr(ok, Attr.XorRelayedAddress)!, ok.transactionId)!;
    assert.equal(relay.family, 4);
    assert.ok(relay.port >= 20000 && relay.port <= 60000, 'relay port from the configured range');
    assert.equal(readU32(ok, Attr.Lifetime), 600);
    assert.ok(integrityOk(ok, longTermKey(c.username, REALM, c.password)), 'the success response is signed');
  });

  test('lifetimes: at most 3600 s, at least the 600 s default', async () => {
    const { client } = setup();
    assert.equal(readU32(await client().allocate([lifetime(7200)]), Attr.Lifetime), 3600);
    assert.equal(readU32(await client().allocate([lifetime(30)]), Attr.Lifetime), 600);
    assert.equal(readU32(await client().allocate([lifetime(1200)]), Attr.Lifetime), 1200);
  });

  test('wrong password, forged username, expired username → 401', async () => {
    const { client, clock } = setup();
    const wrong = client();
    wrong.password = 'bm9wZQ==';
    assert.equal(codeOf(await wrong.allocate()), 401);
    const forged = client('mallory');
    forged.username = forged.username.replace('mallory', 'alice'); // alice's name, mallory's password
    assert.equal(codeOf(await forged.allocate()), 401);
    const longer = client();
    longer.username = `${Number(longer.username.split(':')[0]) + 86400}:alice`; // pushes its own expiry
    assert.equal(codeOf(await longer.allocate()), 401);
    const expired = client();
    const cred = mintCredential('test-secret', 'alice', 60, clock.now());
    expired.username = cred.username;
    expired.password = cred.credential;
    clock.advance(61_000);
    const reply = await expired.allocate();
    assert.equal(codeOf(reply), 401);
    assert.match(getAttr(reply, Attr.ErrorCode)!.subarray(4).toString(), /expired/);
  });

  test('a request replayed with a stale nonce → 438 with a fresh NONCE', async () => {
    const { client, clock } = setup();
    const c = client();
    await c.primeNonce();
    const signed = c.build(Method.Allocate, [{ type: Attr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) }]);
    clock.advance(601_000);
    const reply = (await c.raw(signed))!;
    assert.equal(codeOf(reply), 438);
    const fresh = getAttr(reply, Attr.Nonce)!.toString();
    assert.notEqual(fresh, c.nonce);
    assert.equal(reply.attributes.some((a) => a.type === Attr.MessageIntegrity), false);
    // A nonce minted for another client address is not accepted either.
    const other = client();
    Object.assign(other.link, { remote: addr('127.0.0.9', 1234) }); // nonces are bound to the client IP
    other.nonce = c.nonce;
    clock.advance(-601_000);
    assert.equal(codeOf((await other.raw(other.build(Method.Allocate, [])))!), 438);
  });
});

describe('TURN core: allocations', () => {
  test('a second Allocate on the same 5-tuple → 437; a retransmission gets the same answer', async () => {
    const { client } = setup();
    const c = client();
    await c.primeNonce();
    const first = c.build(Method.Allocate, [{ type: Attr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) }]);
    const a = (await c.raw(first))!;
    const again = (await c.raw(first))!;
    assert.equal(codeOf(a), 0);
    assert.deepEqual(again, a, 'retransmission answered alike');
    assert.equal(codeOf(await c.allocate()), 437);
  });

  test('a client that came in over IPv6 gets an IPv4 relay from another local address; none → 440', async () => {
    const { core, clock } = setup({ localAddresses: [addr('::1', 3478), addr('127.0.0.1', 3478)] });
    const c = new FakeTurnClient(core, 'alice', clock);
    Object.assign(c.link, { remote: addr('::1', 40123), local: addr('::1', 3478), key: 'udp|::1|40123|::1|3478' });
    const ok = await c.allocate();
    assert.equal(codeOf(ok), 0);
    assert.equal(decodeXorAddress(getAttr(ok, Attr.XorRelayedAddress)!, ok.transactionId)!.family, 4);
    const bare = setup();
    const d = new FakeTurnClient(bare.core, 'alice', bare.clock);
    Object.assign(d.link, { remote: addr('::1', 40124), local: addr('::1', 3478), key: 'udp|::1|40124|::1|3478' });
    assert.equal(codeOf(await d.allocate()), 440);
  });

  test('REQUESTED-TRANSPORT missing → 400, TCP → 442; unknown comprehension-required attribute → 420', async () => {
    const { client } = setup();
    const c = client();
    assert.equal(codeOf(await c.request(Method.Allocate, [])), 400);
    assert.equal(codeOf(await c.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: Buffer.from([6, 0, 0, 0]) }])), 442);
    const r = await c.request(Method.Allocate, [{ type: 0x7777, value: Buffer.alloc(4) }]);
    assert.equal(codeOf(r), 420);
    assert.equal(getAttr(r, Attr.UnknownAttributes)!.readUInt16BE(0), 0x7777);
  });

  test('quotas: per user → 486, in total → 508', async () => {
    const { client } = setup({ limits: { allocationsPerUser: 2, allocationsTotal: 3 } });
    assert.equal(codeOf(await client('alice').allocate()), 0);
    assert.equal(codeOf(await client('alice').allocate()), 0);
    assert.equal(codeOf(await client('alice').allocate()), 486);
    assert.equal(codeOf(await client('bob').allocate()), 0);
    assert.equal(codeOf(await client('carol').allocate()), 508);
  });

  test('Refresh 0 deletes, an expired allocation is swept, another user → 441', async () => {
    const { core, client, clock } = setup();
    const c = client();
    await c.allocate();
    const intruder = new FakeTurnClient(core, 'mallory', clock);
    Object.assign(intruder.link, { remote: c.link.remote, key: c.link.key }); // same 5-tuple, other credentials
    assert.equal(codeOf(await intruder.request(Method.Refresh, [lifetime(600)])), 441);
    assert.equal(core.counters.allocations, 1);
    assert.equal(codeOf(await c.request(Method.Refresh, [lifetime(0)])), 0);
    assert.equal(core.counters.allocations, 0);
    assert.equal(codeOf(await c.request(Method.Refresh, [lifetime(600)])), 437);
    const d = client();
    await d.allocate();
    clock.advance(599_000);
    core.sweep();
    assert.equal(core.counters.allocations, 1);
    clock.advance(2_000);
    core.sweep();
    assert.equal(core.counters.allocations, 0, 'expired after its 600 s lifetime');
  });

  test('an allocation outlives its credential: Refresh with the expired username still works', async () => {
    const { client, clock } = setup();
    const c = client();
    const cred = mintCredential('test-secret', 'alice', 120, clock.now());
    c.username = cred.username;
    c.password = cred.credential;
    assert.equal(codeOf(await c.allocate()), 0);
    clock.advance(300_000);
    assert.equal(codeOf(await c.request(Method.Refresh, [lifetime(600)])), 0);
    assert.equal(codeOf(await client().allocate()), 0, 'sanity: a fresh credential allocates');
  });
});

describe('TURN core: permissions, channels, relaying', () => {
  test('CreatePermission/ChannelBind to a denied address → 403; to a public one → success', async () => {
    const { client } = setup();
    const c = client();
    await c.allocate();
    for (const ip of ['127.0.0.2', '127.0.0.5', '10.1.2.3', '169.254.169.254', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1', '::1', 'fe80::1', '64:ff9b::a01:203']) {
      assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr(ip)])), 403, ip);
      assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr(ip)], [channelNumber(0x4001)])), 403, ip);
    }
    assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr('8.8.8.8')])), 0);
    assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr('2606:4700::1')])), 443, 'IPv6 peer on an IPv4 relay');
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('8.8.8.8')], [channelNumber(0x3fff)])), 400, 'channel number out of range');
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('8.8.8.8')], [channelNumber(0x4001)])), 0);
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('8.8.4.4')], [channelNumber(0x4001)])), 400, 'channel already bound elsewhere');
  });

  test("the relay's own address is reachable only at the ports of other relays (relay-to-relay)", async () => {
    const { core, client } = setup();
    const a = client('alice');
    const b = client('bob');
    await a.allocate();
    const bAlloc = await b.allocate();
    const bRelay = decodeXorAddress(getAttr(bAlloc, Attr.XorRelayedAddress)!, bAlloc.transactionId)!;
    assert.equal(codeOf(await withPeer(a, Method.ChannelBind, [addr('127.0.0.1', 22)], [channelNumber(0x4010)])), 403, 'not a relay port');
    assert.equal(codeOf(await withPeer(a, Method.ChannelBind, [bRelay], [channelNumber(0x4011)])), 0, "bob's relay");
    // A permission for the IP is granted, but a Send to a port that is no relay goes nowhere.
    assert.equal(codeOf(await withPeer(a, Method.CreatePermission, [addr('127.0.0.1', 0)])), 0);
    const bytes = core.counters.bytesRelayed;
    await core.handle(a.link, encodeChannelData(0x4011, Buffer.from('to bob'), false));
    assert.equal(core.counters.bytesRelayed, bytes + 6, 'relayed to the other relay');
    const tid = Buffer.alloc(12, 9);
    const send = stun.encodeStun({
      method: Method.Send,
      cls: Class.Indication,
      transactionId: tid,
      attributes: [{ type: Attr.XorPeerAddress, value: encodeXorAddress(addr('127.0.0.1', 22), tid) }, { type: Attr.Data, value: Buffer.from('SSH?') }],
    });
    await core.handle(a.link, send);
    assert.equal(core.counters.bytesRelayed, bytes + 6, 'nothing sent to port 22');
  });

  test("the server's own public address is no peer, except its relays or where an operator allowed it", async () => {
    const own = [addr('198.51.100.1', 3478)];
    const { client } = setup({ localAddresses: own });
    const c = client();
    await c.allocate();
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('198.51.100.1', 3478)], [channelNumber(0x4020)])), 403, 'its own TURN port');
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('198.51.100.1', 443)], [channelNumber(0x4021)])), 403, 'its web server');
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('198.51.100.2', 443)], [channelNumber(0x4022)])), 0, 'a neighbour is fine');
    const opened = setup({ localAddresses: own, allow: ['198.51.100.1/32'] });
    const d = opened.client();
    await d.allocate();
    assert.equal(codeOf(await withPeer(d, Method.ChannelBind, [addr('198.51.100.1', 443)], [channelNumber(0x4023)])), 0, 'allowed explicitly');
  });

  test("the server's own services (the SFU's media port) are reachable through the relay, at that port only", async () => {
    const sfu = createSocket('udp4');
    sockets.push(sfu);
    sfu.bind(0, '127.0.0.1');
    await once(sfu, 'listening');
    const sfuAddr = addr('127.0.0.1', sfu.address().port);
    const { core, client } = setup({ services: [sfuAddr] });
    const c = client();
    await c.allocate();
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [sfuAddr], [channelNumber(0x4030)])), 0, 'the SFU port');
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('127.0.0.1', 22)], [channelNumber(0x4031)])), 403, 'another port on the host');
    const got = once(sfu, 'message');
    await core.handle(c.link, encodeChannelData(0x4030, Buffer.from('stun to the sfu'), false));
    const [data] = (await got) as [Buffer];
    assert.equal(data.toString(), 'stun to the sfu');
  });

  test('at most N permissions per allocation → 508', async () => {
    const { client } = setup({ limits: { permissionsPerAllocation: 3 } });
    const c = client();
    await c.allocate();
    assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr('8.8.8.1'), addr('8.8.8.2'), addr('8.8.8.3')])), 0);
    assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr('8.8.8.2')])), 0, 'refreshing one is fine');
    assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr('8.8.8.4')])), 508);
  });

  test('ChannelData and Send reach the peer; the peer reaches the client as ChannelData and Data', async () => {
    const { core, client } = setup({ allow: ['127.0.0.0/8'] });
    const peer = createSocket('udp4');
    sockets.push(peer);
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    const peerAddr = addr('127.0.0.1', peer.address().port);
    const c = client();
    const alloc = await c.allocate();
    const relay = decodeXorAddress(getAttr(alloc, Attr.XorRelayedAddress)!, alloc.transactionId)!;
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [peerAddr], [channelNumber(0x4002)])), 0);

    const got = once(peer, 'message');
    await core.handle(c.link, encodeChannelData(0x4002, Buffer.from('hello peer'), false));
    const [data, rinfo] = (await got) as [Buffer, { port: number }];
    assert.equal(data.toString(), 'hello peer');
    assert.equal(rinfo.port, relay.port, 'sent from the relayed address');

    const before = c.received.length;
    peer.send('hello client', relay.port, '127.0.0.1');
    const frame = await waitForFrame(c, before);
    assert.equal(frame.readUInt16BE(0), 0x4002);
    assert.equal(frame.subarray(4, 4 + frame.readUInt16BE(2)).toString(), 'hello client');
    assert.ok(core.counters.bytesRelayed >= 22);
  });

  test('without a permission nothing is relayed, either way', async () => {
    const { core, client } = setup({ allow: ['127.0.0.0/8'] });
    const c = client();
    const alloc = await c.allocate();
    const relay = decodeXorAddress(getAttr(alloc, Attr.XorRelayedAddress)!, alloc.transactionId)!;
    await core.handle(c.link, encodeChannelData(0x4003, Buffer.from('x'), false));
    const stranger = createSocket('udp4');
    sockets.push(stranger);
    const before = c.received.length;
    stranger.send('let me in', relay.port, '127.0.0.1');
    // Prove delivery would have happened: a permitted peer's packet sent after it does arrive.
    const friend = createSocket('udp4');
    sockets.push(friend);
    friend.bind(0, '127.0.0.2');
    await once(friend, 'listening');
    assert.equal(codeOf(await withPeer(c, Method.CreatePermission, [addr('127.0.0.2')])), 0);
    friend.send('friend', relay.port, '127.0.0.1');
    const frame = await waitForFrame(c, before);
    const data = decodeStun(frame);
    assert.ok(data.ok && data.message.method === Method.Data);
    assert.equal(getAttr(data.message, Attr.Data)!.toString(), 'friend', 'the stranger was dropped, the friend came through');
    assert.equal(core.counters.bytesRelayed, 6);
  });

  test('the per-allocation bandwidth cap drops what exceeds it', async () => {
    const { core, client } = setup({ allow: ['127.0.0.0/8'], limits: { bytesPerSecond: 100_000 } });
    const c = client();
    await c.allocate();
    assert.equal(codeOf(await withPeer(c, Method.ChannelBind, [addr('127.0.0.1', 9)], [channelNumber(0x4004)])), 0);
    // The clock stands still: only the burst (max(64 KiB, rate/2)) passes.
    for (let i = 0; i < 200; i++) await core.handle(c.link, encodeChannelData(0x4004, Buffer.alloc(1000), false));
    assert.equal(core.counters.bytesRelayed, 65_000);
    assert.equal(core.counters.packetsDropped, 135);
  });
});

describe('TURN core: hostile input', () => {
  test('garbage, truncated and oversized messages never throw; a broken request gets 400', async () => {
    const { core, client } = setup();
    const c = client();
    const junk = [Buffer.alloc(0), Buffer.from([0x40]), Buffer.from([0x40, 0x00, 0xff, 0xff, 1, 2]), Buffer.alloc(3000, 0xff), Buffer.from('GET / HTTP/1.1\r\n\r\n')];
    for (const j of junk) await core.handle(c.link, j);
    const broken = c.build(Method.Allocate, [], false);
    broken.writeUInt16BE(broken.readUInt16BE(2) + 4, 2); // length past the end
    const reply = (await c.raw(broken))!;
    assert.equal(codeOf(reply), 400);
    for (let i = 0; i < 3000; i++) {
      const m = c.build([Method.Allocate, Method.Refresh, Method.ChannelBind, Method.CreatePermission, Method.Send][i % 5]!, [{ type: Attr.XorPeerAddress, value: Buffer.alloc(i % 24) }]);
      for (let k = 0; k < 4; k++) m[20 + Math.floor(Math.random() * (m.length - 20))] = Math.floor(Math.random() * 256);
      await core.handle(c.link, m);
    }
    assert.equal(codeOf(await client().allocate()), 0, 'still serving');
  });
});

/** The first relayed frame (ChannelData or Data indication, not a response) after index `after`. */
async function waitForFrame(c: FakeTurnClient, after: number): Promise<Buffer> {
  const deadline = Date.now() + 5000;
  const relayed = (b: Buffer) => {
    const d = decodeStun(b);
    return !d.ok || d.message.cls === Class.Indication;
  };
  for (;;) {
    const frame = c.received.slice(after).find(relayed);
    if (frame) return frame;
    if (Date.now() > deadline) throw new Error('nothing relayed to the client within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

void ipBytes;
