/**
 * Structure-aware fuzz frames for the signaling socket (fast-check arbitraries). Named *.test.ts
 * only because test code lives in such files; it registers no tests itself.
 *
 * Every frame starts from a real message of the protocol (one sample per client message type,
 * typed so a new type cannot be forgotten) and the field names of its zod schema, then breaks
 * it: a field of the wrong type, a missing field, `__proto__`/`constructor`/`prototype` keys,
 * duplicate keys, deep nesting, huge and unrepresentable numbers, odd Unicode, truncated JSON,
 * binary frames, and (rarely, since each costs a connection) oversized frames and invalid UTF-8.
 * Values are built as JSON text, so the frames can hold what `JSON.stringify` never writes.
 */
import fc from 'fast-check';
import {
  ClientMessageSchema,
  CLIENT_MESSAGE_TYPES,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ClientMessageOf,
} from '@lectern/protocol';

/** One WebSocket frame to send. */
export type FuzzFrame = { kind: 'text'; data: string } | { kind: 'binary' | 'bad-utf8'; data: Uint8Array };

/** Live values the frames may aim at, so some of them reach deep into the handlers. */
export interface FuzzTargets {
  code: string;
  participantIds: readonly string[];
}

type Samples = { [K in ClientMessage['type']]: ClientMessageOf<K> };

/** A valid message of every client type (the compiler insists on all of them). */
export function sampleMessages(t: FuzzTargets): Samples {
  const to = t.participantIds[0] ?? 'nobody';
  const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  return {
    hello: { type: 'hello', v: PROTOCOL_VERSION },
    create: { type: 'create' },
    join: { type: 'join', code: t.code, name: 'Fuzz', media: { muted: false, cameraOff: true } },
    leave: { type: 'leave' },
    offer: { type: 'offer', to, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
    answer: { type: 'answer', to, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
    'ice-candidate': { type: 'ice-candidate', to, candidate, dataLink: 'opener' },
    'media-state': { type: 'media-state', muted: true, cameraOff: false },
    'screen-share': { type: 'screen-share', screen: { streamId: 'screen-1', audio: false } },
    'chat-send': { type: 'chat-send', id: 'fuzz-0001', to: null, text: 'hello' },
    'sfu-publish': { type: 'sfu-publish', sdp: 'v=0\r\n' },
    'sfu-subscribe-answer': { type: 'sfu-subscribe-answer', sdp: 'v=0\r\n' },
    'sfu-candidate': { type: 'sfu-candidate', pc: 'publish', candidate },
    ping: { type: 'ping', t: 1 },
    'create-class-room': { type: 'create-class-room', name: 'Fuzz class', lobby: false, maxParticipants: 10 },
    'sfu-view': { type: 'sfu-view', views: [{ participantId: to, height: 360 }] },
    // Classroom controls: aimed at a real member, so the role checks are what refuses them.
    mute: { type: 'mute', participantId: to },
    'mute-all': { type: 'mute-all' },
    'camera-off': { type: 'camera-off', participantId: to },
    'stop-screen': { type: 'stop-screen', participantId: to },
    remove: { type: 'remove', participantId: to },
    'set-role': { type: 'set-role', participantId: to, role: 'cohost' },
    'make-host': { type: 'make-host', participantId: to },
    'set-lock': { type: 'set-lock', locked: true },
    'set-lobby': { type: 'set-lobby', enabled: true },
    admit: { type: 'admit', participantId: to },
    'admit-all': { type: 'admit-all' },
    deny: { type: 'deny', participantId: to },
    'raise-hand': { type: 'raise-hand', raised: true },
    'lower-hand': { type: 'lower-hand', participantId: to },
    reaction: { type: 'reaction', emoji: '👍' },
    spotlight: { type: 'spotlight', spotlight: { participantId: to, screen: false } },
  };
}

/** Field names per type, from the schemas themselves (optional ones included). */
const SCHEMA_KEYS: ReadonlyMap<string, readonly string[]> = new Map(
  ClientMessageSchema.options.map((o) => [o.shape.type.value, Object.keys(o.shape)] as const),
);

const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'] as const;

const json = (v: unknown): string => JSON.stringify(v);

/** Values that break numbers: beyond double range, -0, denormals, and digit strings. */
const hugeNumberText = fc.constantFrom(
  '1e400', '-1e400', '1E+308', '-1.7976931348623157e308', '5e-324', '-0', '0.0000000000000000000000001',
  `1${'0'.repeat(400)}`, `-${'9'.repeat(1000)}`, `0.${'0'.repeat(500)}1`, '9007199254740993', '1e-400', '123456789012345678901234567890',
);

/** Deeply nested arrays or objects as JSON text (too deep for naive recursion, within 64 KiB). */
const deepText = fc
  .tuple(fc.integer({ min: 20, max: 12_000 }), fc.constantFrom('array', 'object', 'proto'))
  .map(([depth, shape]) => {
    if (shape === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const d = Math.min(depth, 4000);
    const open = shape === 'object' ? '{"a":' : '{"__proto__":';
    return `${open.repeat(d)}null${'}'.repeat(d)}`;
  });

/** Strings a parser or a log line might trip on. */
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e\u2066evil', '\ud800', '\udfff\ud800', '__proto__', 'constructor', '💥'.repeat(50), 'a'.repeat(70), '../../etc/passwd', '${7*7}', '<script>'),
  fc.string({ minLength: 1000, maxLength: 8000, unit: 'binary-ascii' }),
);

/** Any value as JSON text, of any type: what a field gets when the fuzzer confuses its type. */
export const nastyValueText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('null', 'true', 'false', '0', '-1', '[]', '{}', '[[]]', '[null]', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}'), weight: 4 },
  { arbitrary: fc.oneof(fc.integer(), fc.double()).map(json), weight: 2 },
  { arbitrary: hugeNumberText, weight: 2 },
  { arbitrary: oddString.map(json), weight: 4 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json), weight: 3 },
  { arbitrary: deepText, weight: 1 },
);

/** A message as an ordered list of [key, JSON text] entries (duplicates allowed). */
type Entries = Array<[string, string]>;

const toText = (entries: Entries): string => `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`;

function entriesOf(message: object): Entries {
  return Object.entries(message).map(([k, v]) => [k, json(v)]);
}

/** One field (or one nested field) replaced by a nasty value, or dropped. */
function mutateField(entries: Entries, keys: readonly string[], pick: number, value: string | null, nestedPick: number): Entries {
  const key = keys[pick % keys.length]!;
  const at = entries.findIndex(([k]) => k === key);
  const current = at >= 0 ? (JSON.parse(entries[at]![1]) as unknown) : undefined;
  let replacement: string | null = value;
  if (current !== null && typeof current === 'object' && !Array.isArray(current) && nestedPick % 2 === 0) {
    // Reach one level in: media.muted, candidate.sdpMLineIndex, screen.streamId, ...
    const inner = entriesOf(current);
    const innerKeys = inner.map(([k]) => k);
    replacement = toText(mutateField(inner, innerKeys.length ? innerKeys : ['x'], nestedPick >> 1, value, 1));
  }
  const out = entries.filter((_, i) => i !== at);
  if (replacement !== null) out.splice(at >= 0 ? at : out.length, 0, [key, replacement]);
  return out;
}

function messageFrame(samples: Samples): fc.Arbitrary<string> {
  const types = CLIENT_MESSAGE_TYPES;
  const base = fc.constantFrom(...types).map((t) => ({ type: t, entries: entriesOf(samples[t]), keys: SCHEMA_KEYS.get(t) ?? ['type'] }));
  return fc.oneof(
    // The real message, so state moves (join, leave, create, relays) between the bad ones.
    { arbitrary: base.map((b) => toText(b.entries)), weight: 2 },
    // A field of the wrong type, or with an out-of-range value.
    {
      arbitrary: fc.tuple(base, fc.nat(), nastyValueText, fc.nat()).map(([b, pick, value, nested]) => toText(mutateField(b.entries, b.keys, pick, value, nested))),
      weight: 8,
    },
    // A field missing.
    { arbitrary: fc.tuple(base, fc.nat()).map(([b, pick]) => toText(mutateField(b.entries, b.keys.filter((k) => k !== 'type'), pick, null, 1))), weight: 2 },
    // Prototype-polluting and duplicate keys, at the top or inside a field.
    {
      arbitrary: fc.tuple(base, fc.constantFrom(...POLLUTING_KEYS, 'type', 'from'), nastyValueText, fc.boolean()).map(([b, key, value, first]) =>
        toText(first ? [[key, value], ...b.entries] : [...b.entries, [key, value]]),
      ),
      weight: 4,
    },
    // A confused `type`.
    {
      arbitrary: fc.tuple(base, fc.oneof(nastyValueText, fc.constantFrom(...types).map((t) => json(`${t.toUpperCase()}`)), fc.constantFrom(...types).map((t) => json(`${t}\u0000`)))).map(([b, t]) => toText([['type', t], ...b.entries.filter(([k]) => k !== 'type')])),
      weight: 2,
    },
    // Not a message: deep nesting, garbage, truncated JSON, bare JSON values.
    { arbitrary: deepText, weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
    { arbitrary: fc.tuple(base, fc.nat()).map(([b, cut]) => { const t = toText(b.entries); return t.slice(0, cut % t.length); }), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json), weight: 1 },
  );
}

/** Frames for one fuzz run; `rare` weighs the connection-ending kinds (oversized, invalid UTF-8). */
export function fuzzFrames(targets: FuzzTargets): fc.Arbitrary<FuzzFrame> {
  const text = messageFrame(sampleMessages(targets)).map((data): FuzzFrame => ({ kind: 'text', data }));
  return fc.oneof(
    { arbitrary: text, weight: 2000 },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((data): FuzzFrame => ({ kind: 'binary', data })), weight: 40 },
    { arbitrary: fc.constant<FuzzFrame>({ kind: 'text', data: `{"type":"ping","t":1,"pad":"${'x'.repeat(MAX_MESSAGE_BYTES)}"}` }), weight: 1 },
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((d): FuzzFrame => ({ kind: 'bad-utf8', data: Uint8Array.from([0x7b, ...d, 0xc0, 0x80]) })), weight: 1 },
  );
}
