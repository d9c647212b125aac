/**
 * bench:signal client side: how a pair of clients meets on each server and how a signaling
 * message is written and read there. The payloads are the same for all three servers.
 */
import WebSocket from 'ws';
import type { ServerKind, SignalKind } from './signal-load.js';

/** One client of a pair. */
export interface Side {
  ws: WebSocket;
  /** This side's id on the server (the address its partner writes to). */
  id: string;
}

/** What a server's client protocol looks like to the load generator. */
export interface ClientProtocol {
  /** Opens both sides of pair `n` and completes whatever the server needs before they can signal. */
  pair(port: number, n: number): Promise<[Side, Side]>;
  /** A signaling message for `to` carrying `payload` (an SDP or a candidate line). */
  encode(kind: SignalKind, to: string, payload: string): string;
  /** The SDP or candidate line in a received message, or null for anything else. */
  payload(message: Record<string, unknown>): string | null;
}

/** Waits for the first message on `ws` for which `pick` returns a value. */
export function nextMessage<T>(ws: WebSocket, pick: (m: Record<string, unknown>) => T | undefined, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('timed out waiting for a message')), timeoutMs);
    const onMessage = (data: WebSocket.RawData): void => {
      const value = pick(JSON.parse(String(data)) as Record<string, unknown>);
      if (value !== undefined) done(null, value);
    };
    const onClose = (code: number): void => done(new Error(`closed (${code}) during setup`));
    function done(err: Error | null, value?: T): void {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (err) reject(err);
      else resolve(value as T);
    }
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
}

/** Opens a socket and waits for the first message for which `pick` returns a value (listening from the start). */
async function openUntil<T>(url: string, pick: (m: Record<string, unknown>) => T | undefined): Promise<{ ws: WebSocket; value: T }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  const value = nextMessage(ws, pick);
  value.catch(() => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, value: await value };
}

/** Opens a socket and waits for it to be open. */
export function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

const when =
  <T>(type: string, value: (m: Record<string, unknown>) => T) =>
  (m: Record<string, unknown>): T | undefined =>
    m.type === type ? value(m) : undefined;

const sdpOrCandidate = (kind: SignalKind, payload: string): Record<string, unknown> =>
  kind === 'candidate' ? { candidate: { candidate: payload, sdpMid: '0', sdpMLineIndex: 0 } } : { sdp: payload };

/** Lectern's own messages (also what the bare relay forwards verbatim). */
function lecternEncode(kind: SignalKind, to: string, payload: string): string {
  return JSON.stringify({ type: kind === 'candidate' ? 'ice-candidate' : kind, to, ...sdpOrCandidate(kind, payload) });
}

function lecternPayload(m: Record<string, unknown>): string | null {
  if (m.type === 'offer' || m.type === 'answer') return m.sdp as string;
  if (m.type === 'ice-candidate') return (m.candidate as { candidate: string }).candidate;
  return null;
}

async function lecternHello(port: number): Promise<Side> {
  const ws = await open(`ws://127.0.0.1:${port}/ws`);
  const welcomed = nextMessage(ws, when('welcome', (m) => m.participantId as string));
  ws.send(JSON.stringify({ type: 'hello', v: 1 }));
  return { ws, id: await welcomed };
}

async function lecternJoin(side: Side, code: string): Promise<void> {
  const joined = nextMessage(side.ws, (m) => (m.type === 'joined' ? true : m.type === 'join-error' ? false : undefined));
  side.ws.send(JSON.stringify({ type: 'join', code, name: 'Bench', media: { muted: false, cameraOff: false } }));
  if (!(await joined)) throw new Error('join refused');
}

export const PROTOCOLS: Record<ServerKind, ClientProtocol> = {
  lectern: {
    async pair(port) {
      const a = await lecternHello(port);
      const created = nextMessage(a.ws, when('created', (m) => m.code as string));
      a.ws.send('{"type":"create"}');
      const code = await created;
      await lecternJoin(a, code);
      const b = await lecternHello(port);
      const seen = nextMessage(a.ws, when('participant-joined', () => true));
      await lecternJoin(b, code);
      await seen;
      return [a, b];
    },
    encode: lecternEncode,
    payload: lecternPayload,
  },
  peerjs: {
    async pair(port, n) {
      const side = async (id: string): Promise<Side> => {
        const { ws } = await openUntil(`ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=t${n}`, when('OPEN', () => true));
        return { ws, id };
      };
      return [await side(`p${n}a`), await side(`p${n}b`)];
    },
    // As the PeerJS client writes them: the payload wraps the RTCSessionDescription or candidate.
    encode(kind, to, payload) {
      const body = kind === 'candidate' ? { candidate: { candidate: payload, sdpMid: '0', sdpMLineIndex: 0 } } : { sdp: { type: kind, sdp: payload } };
      return JSON.stringify({ type: kind.toUpperCase(), dst: to, payload: { ...body, type: 'media', connectionId: 'mc_bench' } });
    },
    payload(m) {
      const p = m.payload as { sdp?: { sdp: string }; candidate?: { candidate: string } } | undefined;
      return p?.sdp?.sdp ?? p?.candidate?.candidate ?? null;
    },
  },
  bare: {
    async pair(port, n) {
      const url = `ws://127.0.0.1:${port}/?pair=${n}`;
      const a = await open(url);
      const aPaired = nextMessage(a, when('paired', () => true));
      const b = await openUntil(url, when('paired', () => true));
      await aPaired;
      return [
        { ws: a, id: `${n}a` },
        { ws: b.ws, id: `${n}b` },
      ];
    },
    encode: lecternEncode,
    payload: lecternPayload,
  },
};
