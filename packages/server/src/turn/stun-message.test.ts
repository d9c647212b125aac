import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { longTermKey } from './credentials.js';
import { decodeXorAddress, encodeXorAddress, ipText, text } from './attributes.js';
import { Attr, Class, Method, decodeStun, encodeStun, fingerprintOk, getAttr, integrityOk, messageType, type StunMessage } from './stun-message.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 test vectors (short-term password for 2.1–2.3, long-term credentials for 2.4).
const PASSWORD = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');
const REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const RESPONSE_V4 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
const RESPONSE_V6 = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);
const LONG_TERM_REQUEST = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);

function decoded(buf: Buffer): StunMessage {
  const r = decodeStun(buf);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.message;
}

describe('STUN codec: RFC 5769 test vectors', () => {
  test('2.1 sample request: attributes, MESSAGE-INTEGRITY and FINGERPRINT check out', () => {
    const m = decoded(REQUEST);
    assert.equal(m.method, Method.Binding);
    assert.equal(m.cls, Class.Request);
    assert.equal(getAttr(m, Attr.Username)?.toString(), 'evtj:h6vY');
    assert.equal(getAttr(m, Attr.Software)?.toString(), 'STUN test client');
    assert.ok(fingerprintOk(m));
    assert.ok(integrityOk(m, PASSWORD));
    assert.ok(!integrityOk(m, Buffer.from('wrong')));
  });

  test('2.2 and 2.3 sample responses: XOR-MAPPED-ADDRESS for IPv4 and IPv6', () => {
    for (const [buf, ip] of [
      [RESPONSE_V4, '192.0.2.1'],
      [RESPONSE_V6, '2001:db8:1234:5678:11:2233:4455:6677'],
    ] as const) {
      const m = decoded(buf);
      assert.equal(m.cls, Class.Success);
      assert.ok(fingerprintOk(m) && integrityOk(m, PASSWORD));
      const mapped = decodeXorAddress(getAttr(m, Attr.XorMappedAddress)!, m.transactionId)!;
      assert.equal(ipText(mapped), ip);
      assert.equal(mapped.port, 32853);
      // Our encoder gives the same attribute bytes back.
      assert.deepEqual(encodeXorAddress(mapped, m.transactionId), getAttr(m, Attr.XorMappedAddress));
    }
  });

  test('2.4 long-term credentials: key = MD5(username:realm:SASLprep(password))', () => {
    const m = decoded(LONG_TERM_REQUEST);
    const username = getAttr(m, Attr.Username)!.toString('utf8');
    assert.equal(username, '\u30de\u30c8\u30ea\u30c3\u30af\u30b9');
    assert.equal(getAttr(m, Attr.Realm)!.toString(), 'example.org');
    assert.equal(getAttr(m, Attr.Nonce)!.toString(), 'f//499k954d6OL34oL9FSTvy64sA');
    assert.ok(integrityOk(m, longTermKey(username, 'example.org', 'TheMatrIX')));
    assert.ok(!integrityOk(m, longTermKey(username, 'example.org', 'thematrix')));
  });

  test('a flipped bit anywhere breaks FINGERPRINT or MESSAGE-INTEGRITY', () => {
    for (let i = 0; i < REQUEST.length - 4; i += 7) {
      const bad = Buffer.from(REQUEST);
      bad[i] = bad[i]! ^ 0x01;
      const r = decodeStun(bad);
      if (!r.ok) continue;
      assert.ok(!fingerprintOk(r.message) || !integrityOk(r.message, PASSWORD), `byte ${i}`);
    }
  });
});

describe('STUN codec: round trips', () => {
  test('encode → decode keeps method, class, id and attributes; integrity and fingerprint verify', () => {
    const key = Buffer.from('k3y');
    for (const method of Object.values(Method)) {
      for (const cls of [Class.Request, Class.Indication, Class.Success, Class.Error]) {
        const msg: StunMessage = {
          method,
          cls,
          transactionId: Buffer.from('0123456789ab'),
          attributes: [text(Attr.Software, 'odd length'), text(Attr.Username, 'u'), { type: Attr.Data, value: Buffer.alloc(0) }],
        };
        const bytes = encodeStun(msg, { integrityKey: key, fingerprint: true });
        assert.equal(bytes.length % 4, 0);
        const back = decoded(bytes);
        assert.equal(back.method, method);
        assert.equal(back.cls, cls);
        assert.deepEqual(back.transactionId, msg.transactionId);
        assert.deepEqual(back.attributes.slice(0, 3), msg.attributes);
        assert.ok(integrityOk(back, key) && fingerprintOk(back));
      }
    }
  });

  test('message type packs method and class as RFC 8489 §5 draws it', () => {
    assert.equal(messageType(Method.Binding, Class.Request), 0x0001);
    assert.equal(messageType(Method.Binding, Class.Success), 0x0101);
    assert.equal(messageType(Method.Allocate, Class.Error), 0x0113);
    assert.equal(messageType(Method.Data, Class.Indication), 0x0017);
    assert.equal(messageType(Method.ChannelBind, Class.Success), 0x0109);
  });

  test('malformed input is reported, never thrown', () => {
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.alloc(19),
      hex('0001 0004 2112a442 000000000000000000000000'), // length past the end
      hex('0001 0003 2112a442 000000000000000000000000 000000'), // length not a multiple of 4
      hex('0001 0004 2112a442 000000000000000000000000 0006 ffff'), // attribute past the end
      hex('0001 0000 deadbeef 000000000000000000000000'), // no magic cookie
      hex('0001 000c 2112a442 000000000000000000000000 80280004 00000000 00060000'), // FINGERPRINT not last
      Buffer.concat([hex('0001 fffc 2112a442 000000000000000000000000'), Buffer.alloc(100)]),
    ];
    for (const c of cases) assert.equal(decodeStun(c).ok, false, c.toString('hex'));
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(REQUEST);
      for (let j = 0; j < 6; j++) junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
      const r = decodeStun(junk);
      if (r.ok) {
        fingerprintOk(r.message);
        integrityOk(r.message, PASSWORD);
      }
    }
  });
});
