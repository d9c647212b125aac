/** Test fixtures for RTP code; used by co-located tests only. */
/** An RTP packet: V=2, with optional one-byte extensions and padding. */
export function rtp(opts: { pt?: number; seq?: number; ts?: number; ssrc?: number; marker?: boolean; ext?: Array<[number, number[]]>; payload?: number[]; padding?: number }): Buffer {
  const extBytes: number[] = [];
  for (const [id, data] of opts.ext ?? []) extBytes.push((id << 4) | (data.length - 1), ...data);
  while (extBytes.length % 4) extBytes.push(0);
  const head = Buffer.alloc(12);
  head[0] = 0x80 | (opts.ext ? 0x10 : 0) | (opts.padding ? 0x20 : 0);
  head[1] = (opts.marker ? 0x80 : 0) | (opts.pt ?? 96);
  head.writeUInt16BE(opts.seq ?? 1, 2);
  head.writeUInt32BE(opts.ts ?? 1000, 4);
  head.writeUInt32BE(opts.ssrc ?? 0x11223344, 8);
  const ext = opts.ext ? Buffer.from([0xbe, 0xde, 0, extBytes.length / 4, ...extBytes]) : Buffer.alloc(0);
  const pad = opts.padding ? Buffer.from([...new Array<number>(opts.padding - 1).fill(0), opts.padding]) : Buffer.alloc(0);
  return Buffer.concat([head, ext, Buffer.from(opts.payload ?? [0x10, 0, 0, 0]), pad]);
}
