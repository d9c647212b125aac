import ipaddr from 'ipaddr.js';
import { ipBytes } from './attributes.js';

/** A range as bytes: `bytes` of the network and the prefix length in bits. */
interface Range {
  bytes: Buffer;
  prefix: number;
  label: string;
}

function range(cidr: string, label: string): Range {
  const [ip, prefix] = cidr.split('/');
  return { bytes: ipBytes(ip!)!, prefix: Number(prefix), label };
}

/** IPv4 destinations a relay must never reach unless allow-listed. */
const DENIED_V4: readonly Range[] = [
  range('0.0.0.0/8', 'this network'),
  range('10.0.0.0/8', 'private (RFC 1918)'),
  range('100.64.0.0/10', 'shared address space (CGNAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local (cloud metadata)'),
  range('172.16.0.0/12', 'private (RFC 1918)'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.168.0.0/16', 'private (RFC 1918)'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved and broadcast'),
];

/** IPv6 destinations denied outright (embedded-IPv4 forms are handled before these). */
const DENIED_V6: readonly Range[] = [
  range('::/96', 'unspecified, loopback or IPv4-compatible'),
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard-only'),
  range('2001::/32', 'Teredo'),
  range('fc00::/7', 'unique local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

function inRange(ip: Buffer, r: Range): boolean {
  if (ip.length !== r.bytes.length) return false;
  const full = r.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== r.bytes[i]) return false;
  const rest = r.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === (r.bytes[full]! & mask);
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 * Bypasses of coturn's filter (CVE-2020-26262 and later) went through exactly these forms.
 */
export function embeddedV4(ip: Buffer): Buffer | null {
  if (ip.length !== 16) return null;
  const zeros = (from: number, to: number) => ip.subarray(from, to).every((b) => b === 0);
  if (zeros(0, 10) && ip[10] === 0xff && ip[11] === 0xff) return ip.subarray(12, 16);
  if (zeros(0, 12)) return ip.subarray(12, 16);
  if (ip.readUInt32BE(0) === 0x0064ff9b && zeros(4, 12)) return ip.subarray(12, 16);
  if (ip.readUInt16BE(0) === 0x2002) return ip.subarray(2, 6);
  return null;
}

/** The verdict on one peer address. */
/** `explicit`: allowed by an operator's `--turn-allow-peer` range, not merely by being public. */
export type PeerVerdict = { allowed: true; explicit: boolean } | { allowed: false; reason: string };

/**
 * Which peers a relay may talk to: public unicast addresses, plus ranges an operator opens
 * with `--turn-allow-peer`. Works on the bytes that came off the wire, never on text.
 */
export class PeerPolicy {
  readonly #allow: Range[];

  /** `allow` is a list of CIDRs (`10.0.0.0/8`, `fd00::/8`, or a bare address). Throws on a bad one. */
  constructor(allow: readonly string[] = []) {
    this.#allow = allow.map((c) => parseCidr(c));
  }

  check(ip: Buffer): PeerVerdict {
    const v4 = ip.length === 4 ? ip : embeddedV4(ip);
    if (this.#allowed(ip) || (v4 && this.#allowed(v4))) return { allowed: true, explicit: true };
    if (v4) {
      const hit = DENIED_V4.find((r) => inRange(v4, r));
      if (hit) return { allowed: false, reason: ip.length === 4 ? hit.label : `${hit.label}, embedded in IPv6` };
      // An IPv4-compatible address of a public host is still not an address anyone uses.
      if (ip.length === 16 && inRange(ip, DENIED_V6[0]!) && !(ip[10] === 0xff && ip[11] === 0xff)) return { allowed: false, reason: DENIED_V6[0]!.label };
      return { allowed: true, explicit: false };
    }
    const hit = DENIED_V6.find((r) => inRange(ip, r));
    return hit ? { allowed: false, reason: hit.label } : { allowed: true, explicit: false };
  }

  #allowed(ip: Buffer): boolean {
    return this.#allow.some((r) => inRange(ip, r));
  }
}

/** Parses `addr/prefix` (or a bare address) into a byte range; throws a one-line Error. */
export function parseCidr(text: string): Range {
  const t = text.trim();
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    if (t.includes('/')) [addr, prefix] = ipaddr.parseCIDR(t);
    else {
      addr = ipaddr.parse(t);
      prefix = addr.kind() === 'ipv4' ? 32 : 128;
    }
  } catch {
    throw new Error(`not an address or CIDR range: ${JSON.stringify(text)}`);
  }
  // ipaddr.js reads "::1.2.3.4" as IPv4-mapped; take the bytes from our own strict parser.
  const ip = t.split('/')[0]!;
  const bytes = ipBytes(ip) ?? Buffer.from(addr.toByteArray());
  return { bytes, prefix, label: 'allowed' };
}
