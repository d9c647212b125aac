/**
 * SDP surgery for the SFU. libdatachannel answers with every codec an offer lists, so the
 * browser's publish offer is narrowed to what the SFU forwards before libdatachannel sees it:
 * Opus for audio, VP8 (and H.264 when allowed) with their RTX for video. Transport-wide
 * congestion control is removed: with it negotiated and no feedback coming back, Chromium's
 * estimate collapses (../shared/SFU-NOTES.md §4); without it Chromium uses REMB, which the
 * SFU's receiving session sends.
 */

const EOL = '\r\n';
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
export const RID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/** A video codec the SFU can forward. */
export type VideoCodecName = 'VP8' | 'H264';

/** What one media section of an offer says, for routing. */
export interface MediaSection {
  mid: string;
  kind: 'audio' | 'video' | 'application';
  /** Header extension id of the audio level, when negotiated. */
  audioLevelId: number | null;
  /** Header extension id of the RTP stream id (the simulcast rid), when negotiated. */
  ridId: number | null;
  /** Simulcast layers the section sends, in the offered order (ours: lowest first); empty without simulcast. */
  rids: string[];
}

interface Section {
  lines: string[];
}

function split(sdp: string): { session: string[]; sections: Section[] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session: string[] = [];
  const sections: Section[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push({ lines: [line] });
    else if (sections.length === 0) session.push(line);
    else sections[sections.length - 1]!.lines.push(line);
  }
  return { session, sections };
}

function join(session: string[], sections: Section[]): string {
  return [...session, ...sections.flatMap((s) => s.lines)].join(EOL) + EOL;
}

/** Payload type → codec name (upper case) and fmtp parameters of a section. */
function codecs(section: Section): Map<number, { name: string; fmtp: string }> {
  const map = new Map<number, { name: string; fmtp: string }>();
  for (const l of section.lines) {
    const m = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(l);
    if (m) map.set(Number(m[1]), { name: m[2]!.toUpperCase(), fmtp: '' });
  }
  for (const l of section.lines) {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    const c = m ? map.get(Number(m[1])) : undefined;
    if (c) c.fmtp = m![2]!;
  }
  return map;
}

function keepPayloads(section: Section, keep: Set<number>): void {
  const [mline, ...rest] = section.lines;
  const parts = mline!.split(' ');
  const kept = parts.slice(3).filter((pt) => keep.has(Number(pt)));
  section.lines = [
    [...parts.slice(0, 3), ...kept].join(' '),
    ...rest.filter((l) => {
      const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+|\*)[ ]/.exec(l);
      if (!m || m[1] === '*') return true;
      return keep.has(Number(m[1]));
    }),
  ];
}

/**
 * Narrows a browser's offer to the codecs the SFU forwards and drops transport-cc. Throws
 * when a media section has nothing left (the browser cannot send anything we can forward).
 */
export function filterPublishOffer(sdp: string, videoCodecs: readonly VideoCodecName[] = ['VP8']): string {
  const { session, sections } = split(sdp);
  for (const section of sections) {
    const kind = section.lines[0]!.slice(2).split(' ')[0];
    if (kind !== 'audio' && kind !== 'video') continue;
    if (section.lines[0]!.split(' ')[1] === '0') continue; // rejected section
    const map = codecs(section);
    const keep = new Set<number>();
    for (const [pt, c] of map) {
      if (kind === 'audio' && c.name === 'OPUS') keep.add(pt);
      if (kind === 'video' && videoCodecs.includes(c.name as VideoCodecName)) {
        // One H.264 profile is plenty: constrained baseline, packetization mode 1.
        if (c.name === 'H264' && !(/packetization-mode=1/.test(c.fmtp) && /profile-level-id=42e0/i.test(c.fmtp))) continue;
        keep.add(pt);
      }
    }
    if (kind === 'video') {
      for (const [pt, c] of map) {
        const apt = /apt=(\d+)/.exec(c.fmtp);
        if (c.name === 'RTX' && apt && keep.has(Number(apt[1]))) keep.add(pt);
      }
    }
    if (keep.size === 0) throw new Error(`the ${kind} section offers no codec the SFU can forward`);
    keepPayloads(section, keep);
    section.lines = section.lines.filter((l) => !/^a=rtcp-fb:\S+ transport-cc/.test(l) && !l.includes(TRANSPORT_CC_URI));
  }
  return join(session, sections);
}

/** The media sections of an SDP, in order. */
export function mediaSections(sdp: string): MediaSection[] {
  return split(sdp).sections.map((s) => {
    const kind = s.lines[0]!.slice(2).split(' ')[0] as MediaSection['kind'];
    const mid = s.lines.find((l) => l.startsWith('a=mid:'))?.slice(6) ?? '';
    const extId = (uri: string) => {
      const m = s.lines.map((l) => /^a=extmap:(\d+)(?:\/\w+)? (\S+)$/.exec(l)).find((x) => x?.[2] === uri);
      return m ? Number(m[1]) : null;
    };
    // `a=simulcast:send q;h;f` (a `~` marks a layer paused at the start; `,` separates alternatives).
    const simulcast = s.lines.find((l) => l.startsWith('a=simulcast:send '))?.slice('a=simulcast:send '.length) ?? '';
    const rids = simulcast === '' ? [] : simulcast.split(' ')[0]!.split(';').map((r) => r.split(',')[0]!.replace(/^~/, ''));
    return { mid, kind, audioLevelId: extId(AUDIO_LEVEL_URI), ridId: extId(RID_URI), rids };
  });
}

/**
 * Rewrites `a=simulcast:send` and `a=rid:… send` in an answer to `recv` (libdatachannel
 * echoes them unchanged, and Chromium then sends nothing; SFU-NOTES.md §3).
 */
export function fixSimulcastAnswer(sdp: string): string {
  return sdp
    .split(EOL)
    .map((l) => l.replace(/^a=simulcast:send /, 'a=simulcast:recv ').replace(/^(a=rid:\S+) send\b/, '$1 recv'))
    .join(EOL);
}

/**
 * Adds `a=ssrc` lines for the simulcast layers of an offer's video section (the browser leaves
 * them out; libdatachannel delivers only packets whose SSRC the description names). Layers
 * whose rid the section does not send are ignored.
 */
export function addSimulcastSsrcs(sdp: string, ssrcs: ReadonlyArray<{ rid: string; ssrc: number }>): string {
  const { session, sections } = split(sdp);
  for (const section of sections) {
    if (!section.lines[0]!.startsWith('m=video')) continue;
    const rids = new Set(section.lines.filter((l) => l.startsWith('a=rid:')).map((l) => l.slice(6).split(' ')[0]));
    const known = new Set(section.lines.map((l) => /^a=ssrc:(\d+)/.exec(l)?.[1]).filter(Boolean));
    for (const { rid, ssrc } of ssrcs) {
      if (rids.has(rid) && !known.has(String(ssrc))) section.lines.push(`a=ssrc:${ssrc} cname:lectern-${rid}`);
    }
    break;
  }
  return join(session, sections);
}

/** Media section mid → the payload types its `m=` line keeps (what an answer accepted). */
export function acceptedCodecs(sdp: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const section of sdp.split(/\r?\n(?=m=)/).slice(1)) {
    const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
    const fmts = section.split(/\r?\n/, 1)[0]!.split(' ').slice(3).map(Number);
    if (mid !== undefined && !section.startsWith('m=video 0 ')) out.set(mid, new Set(fmts));
  }
  return out;
}
