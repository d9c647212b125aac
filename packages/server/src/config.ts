import { availableParallelism, homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCidr } from './turn/peer-policy.js';

/** The server's whole configuration, validated. Built from CLI flags and LECTERN_* env vars. */
export interface LecternConfig {
  port: number;
  host: string;
  http: boolean;
  certFile: string | null;
  keyFile: string | null;
  dataDir: string;
  maxParticipants: number;
  heartbeatTimeoutMs: number;
  /** Close a socket that has not completed `hello` within this many milliseconds. */
  handshakeTimeoutMs: number;
  /** Messages one connection may send per second, sustained (token bucket refill). */
  messageRate: number;
  /** Messages one connection may send at once (token bucket size); 0: {@link messageBurstFor} the session size. */
  messageBurst: number;
  /** Open WebSocket connections one IP address (an IPv6 /64) may hold. */
  maxConnectionsPerIp: number;
  /** Open WebSocket connections on the whole server. */
  maxConnections: number;
  emptyRoomTtlMs: number;
  maxRooms: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  qr: boolean;
  /** SQLite file for chat (and later class rooms); null means `<dataDir>/lectern.sqlite`. */
  database: string | null;
  /** Most chat messages a session keeps (late joiners see these). */
  chatHistoryMax: number;
  /** Chat messages older than this many hours are deleted. */
  chatHistoryHours: number;
  /** How sessions carry media: `mesh` (peer to peer), `sfu` (through the server) or `auto`. */
  topology: 'mesh' | 'sfu' | 'auto';
  /** `auto`: sessions larger than this move to the SFU. */
  sfuThreshold: number;
  /** UDP port of the first SFU worker's media (ICE UDP mux); worker i uses sfuPort + i. 0 picks free ones. */
  sfuPort: number;
  /** SFU worker processes (media off the signaling thread); 0 runs the SFU inside the server process. */
  sfuWorkers: number;
  /** SFU: most video streams one participant receives at once. */
  lastN: number;
  /** Testing aid: the fraction (0..0.5) of the RTP the SFU forwards that it drops on purpose; 0 in real use. */
  sfuTestLoss: number;
  /** Directory of the built web app; null serves no UI (tests of the signaling alone). */
  webRoot: string | null;
  /** Run the built-in STUN/TURN relay. */
  turn: boolean;
  /** UDP and TCP port of the relay (0 picks free ones). */
  turnPort: number;
  /** TURN-over-TLS port (0 picks a free one); unused with --http. */
  turnTlsPort: number;
  /** Addresses the relay listens on; null means the same as `host`. */
  turnListen: string[] | null;
  /** Shared secret of the TURN REST API credentials; null generates one in the data dir. */
  turnSecret: string | null;
  /** External TURN server URLs (coturn with use-auth-secret); turns the built-in relay off. */
  turnUrl: string[];
  /** Peer ranges the relay may reach although they are private (CIDRs). */
  turnAllowPeer: string[];
  turnRealm: string;
  /** How long handed-out TURN credentials stay valid, in seconds. */
  turnCredentialTtlS: number;
  turnUserQuota: number;
  turnTotalQuota: number;
  turnMaxPermissions: number;
  /** Per-allocation cap in kbit/s (both directions together); 0 means none. */
  turnBandwidthKbps: number;
  /** Relay port range, `min-max`. */
  turnRelayPorts: { min: number; max: number };
  /** The URL people reach the server at (behind a proxy); its origin may open WebSockets and it is the join tokens' default audience. */
  publicUrl: string | null;
  /** Origins besides the server's own whose pages may open a WebSocket; `*` allows any. */
  allowedOrigins: string[];
  /** HS256 secret for join tokens. */
  jwtSecret: string | null;
  /** PEM public key file (RSA or P-256) for RS256/ES256 join tokens. */
  jwtPublicKey: string | null;
  /** JWKS file (JSON) for RS256/ES256 join tokens. */
  jwtJwks: string | null;
  /** The `aud` join tokens must carry; null means `publicUrl`. */
  jwtAudience: string | null;
  /** Failed join attempts one address may make on one session per window. */
  joinLimitIpSession: number;
  /** Failed join attempts one address may make per window. */
  joinLimitIp: number;
  /** Failed join attempts on one session per window, from everyone. */
  joinLimitSession: number;
  /** The join attempt window, in seconds. */
  joinLimitWindowS: number;
  /** Most class rooms the server stores. */
  maxClassRooms: number;
  /** Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry. */
  trustProxy: boolean;
  /** Class rooms one address may make per day. */
  classRoomsPerIp: number;
  /** Class rooms nobody opened for this many days are deleted. */
  classRoomIdleDays: number;
}

type Kind = 'int' | 'fraction' | 'string' | 'bool' | 'level' | 'choice' | 'list' | 'cidrs' | 'urls' | 'range' | 'url' | 'origins';
interface OptionSpec {
  key: Exclude<keyof LecternConfig, 'webRoot'>;
  flag: string;
  kind: Kind;
  help: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The single table of options: flag, env var (LECTERN_ + flag in upper snake case), help. */
/** Most people in one session by default: through the SFU, and peer to peer (mesh). */
export const MAX_PARTICIPANTS_SFU = 50;
export const MAX_PARTICIPANTS_MESH = 6;

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'port', flag: 'port', kind: 'int', min: 0, max: 65535, help: 'TCP port for HTTP(S) and WebSocket (0 picks a free one)' },
  { key: 'host', flag: 'host', kind: 'string', help: 'address to listen on (:: means every IPv4 and IPv6 address)' },
  { key: 'http', flag: 'http', kind: 'bool', help: 'serve plain HTTP (behind a TLS-terminating reverse proxy)' },
  { key: 'certFile', flag: 'cert', kind: 'string', help: 'PEM certificate file (use with --key) instead of the generated one' },
  { key: 'keyFile', flag: 'key', kind: 'string', help: 'PEM private key file for --cert' },
  { key: 'dataDir', flag: 'data-dir', kind: 'string', help: 'where the generated certificate and server secret are kept' },
  { key: 'maxParticipants', flag: 'max-participants', kind: 'int', min: 2, max: 50, help: `most people in one session (default ${MAX_PARTICIPANTS_SFU}; ${MAX_PARTICIPANTS_MESH} with --topology mesh)` },
  { key: 'heartbeatTimeoutMs', flag: 'heartbeat-timeout-ms', kind: 'int', min: 1000, max: 600000, help: 'drop a client silent for this long' },
  { key: 'handshakeTimeoutMs', flag: 'handshake-timeout-ms', kind: 'int', min: 1000, max: 600000, help: 'close a socket that has not sent "hello" within this long' },
  { key: 'messageRate', flag: 'message-rate', kind: 'int', min: 1, max: 1000000, help: 'messages per second one connection may send, sustained (a flooder is closed with 1008)' },
  { key: 'messageBurst', flag: 'message-burst', kind: 'int', min: 0, max: 1000000, help: 'messages one connection may send at once above the sustained rate (0: 12 per --max-participants, at least 100)' },
  { key: 'maxConnectionsPerIp', flag: 'max-connections-per-ip', kind: 'int', min: 1, max: 1000000, help: 'open WebSocket connections per IP address (IPv6: per /64); more get HTTP 429' },
  { key: 'maxConnections', flag: 'max-connections', kind: 'int', min: 1, max: 1000000, help: 'open WebSocket connections on the whole server; more get HTTP 503' },
  { key: 'emptyRoomTtlMs', flag: 'empty-room-ttl-ms', kind: 'int', min: 1000, max: 86400000, help: 'keep an empty session joinable for this long' },
  { key: 'maxRooms', flag: 'max-rooms', kind: 'int', min: 1, max: 1000000, help: 'most sessions at once' },
  { key: 'logLevel', flag: 'log-level', kind: 'level', help: `log level: ${LOG_LEVELS.join(', ')}` },
  { key: 'qr', flag: 'qr', kind: 'bool', help: 'print a QR code for each URL at start' },
  { key: 'database', flag: 'database', kind: 'string', help: 'SQLite file for chat history (:memory: keeps nothing)' },
  { key: 'chatHistoryMax', flag: 'chat-history-max', kind: 'int', min: 1, max: 100000, help: 'most chat messages a session keeps for late joiners' },
  { key: 'chatHistoryHours', flag: 'chat-history-hours', kind: 'int', min: 1, max: 8760, help: 'delete chat messages older than this many hours' },
  { key: 'topology', flag: 'topology', kind: 'choice', choices: ['mesh', 'sfu', 'auto'], help: 'media path: auto (peer to peer while small, then through this server), mesh (always peer to peer) or sfu (always through this server)' },
  { key: 'sfuThreshold', flag: 'sfu-threshold', kind: 'int', min: 2, max: 50, help: 'auto: a session with more people than this moves to the SFU' },
  { key: 'sfuPort', flag: 'sfu-port', kind: 'int', min: 0, max: 65535, help: 'UDP port for SFU media, shared by every participant of a worker; worker N uses this + N (0 picks free ones)' },
  { key: 'sfuWorkers', flag: 'sfu-workers', kind: 'int', min: 0, max: 64, help: 'SFU media worker processes (default: one per CPU core; 0 runs media in the server process)' },
  { key: 'lastN', flag: 'last-n', kind: 'int', min: 1, max: 49, help: 'SFU: most videos one participant receives at once' },
  { key: 'sfuTestLoss', flag: 'sfu-test-loss', kind: 'fraction', min: 0, max: 0.5, help: 'for testing only: the SFU drops this fraction of the media it forwards (e.g. 0.05), to exercise retransmission' },
  { key: 'turn', flag: 'turn', kind: 'bool', help: 'run the built-in STUN/TURN relay' },
  { key: 'turnPort', flag: 'turn-port', kind: 'int', min: 0, max: 65535, help: 'UDP and TCP port of the relay' },
  { key: 'turnTlsPort', flag: 'turn-tls-port', kind: 'int', min: 0, max: 65535, help: 'TURN-over-TLS port (uses the HTTPS certificate)' },
  { key: 'turnListen', flag: 'turn-listen', kind: 'list', help: 'address the relay listens on, repeatable (default: --host)' },
  { key: 'turnSecret', flag: 'turn-secret', kind: 'string', help: 'TURN REST API shared secret (default: generated in the data dir)' },
  { key: 'turnUrl', flag: 'turn-url', kind: 'urls', help: 'external TURN server URL, repeatable; needs --turn-secret; turns the built-in relay off' },
  { key: 'turnAllowPeer', flag: 'turn-allow-peer', kind: 'cidrs', help: 'private peer range (CIDR) the relay may reach, repeatable' },
  { key: 'turnRealm', flag: 'turn-realm', kind: 'string', help: 'TURN realm' },
  { key: 'turnCredentialTtlS', flag: 'turn-credential-ttl', kind: 'int', min: 60, max: 604800, help: 'seconds a TURN credential stays valid (renewed before)' },
  { key: 'turnUserQuota', flag: 'turn-user-quota', kind: 'int', min: 1, max: 10000, help: 'relay allocations one participant may hold' },
  { key: 'turnTotalQuota', flag: 'turn-total-quota', kind: 'int', min: 1, max: 1000000, help: 'relay allocations on the whole server' },
  { key: 'turnMaxPermissions', flag: 'turn-max-permissions', kind: 'int', min: 1, max: 10000, help: 'peer addresses one allocation may reach' },
  { key: 'turnBandwidthKbps', flag: 'turn-bandwidth-kbps', kind: 'int', min: 0, max: 10000000, help: 'per-allocation relay cap in kbit/s (0: none)' },
  { key: 'turnRelayPorts', flag: 'turn-relay-ports', kind: 'range', help: 'UDP port range of relayed addresses, min-max' },
  { key: 'publicUrl', flag: 'public-url', kind: 'url', help: 'URL people reach this server at (e.g. behind a proxy); join tokens\' default audience' },
  { key: 'allowedOrigins', flag: 'allowed-origins', kind: 'origins', help: 'origin besides the server\'s own whose pages may connect, repeatable (* allows any)' },
  { key: 'jwtSecret', flag: 'jwt-secret', kind: 'string', help: 'HS256 secret for LMS join tokens (32 characters or more)' },
  { key: 'jwtPublicKey', flag: 'jwt-public-key', kind: 'string', help: 'PEM public key file (RSA or EC P-256) for RS256/ES256 join tokens' },
  { key: 'jwtJwks', flag: 'jwt-jwks', kind: 'string', help: 'JWKS file for RS256/ES256 join tokens (instead of --jwt-public-key)' },
  { key: 'jwtAudience', flag: 'jwt-audience', kind: 'string', help: 'the "aud" join tokens must carry (default: --public-url)' },
  { key: 'joinLimitIpSession', flag: 'join-limit-ip-session', kind: 'int', min: 1, max: 100000, help: 'failed join attempts per address per session per window' },
  { key: 'joinLimitIp', flag: 'join-limit-ip', kind: 'int', min: 1, max: 100000, help: 'failed join attempts per address per window' },
  { key: 'joinLimitSession', flag: 'join-limit-session', kind: 'int', min: 1, max: 100000, help: 'failed join attempts per session per window, all addresses together' },
  { key: 'joinLimitWindowS', flag: 'join-limit-window', kind: 'int', min: 1, max: 86400, help: 'seconds of the join attempt window' },
  { key: 'maxClassRooms', flag: 'max-class-rooms', kind: 'int', min: 0, max: 1000000, help: 'most class rooms the server stores' },
  { key: 'trustProxy', flag: 'trust-proxy', kind: 'bool', help: 'behind a reverse proxy: the client address is the last X-Forwarded-For entry' },
  { key: 'classRoomsPerIp', flag: 'class-rooms-per-ip', kind: 'int', min: 1, max: 100000, help: 'class rooms one address may make per day' },
  { key: 'classRoomIdleDays', flag: 'class-room-idle-days', kind: 'int', min: 1, max: 36500, help: 'delete class rooms nobody opened for this many days' },
];

/** Defaults for every option. */
export const DEFAULTS: LecternConfig = {
  port: 9000,
  host: '::',
  http: false,
  certFile: null,
  keyFile: null,
  dataDir: resolve(homedir(), '.lectern'),
  maxParticipants: MAX_PARTICIPANTS_SFU,
  heartbeatTimeoutMs: 15000,
  handshakeTimeoutMs: 10000,
  messageRate: 50,
  messageBurst: 0,
  maxConnectionsPerIp: 50,
  maxConnections: 10000,
  emptyRoomTtlMs: 10 * 60 * 1000,
  maxRooms: 10000,
  logLevel: 'info',
  qr: true,
  database: null,
  chatHistoryMax: 500,
  chatHistoryHours: 24,
  topology: 'auto',
  sfuThreshold: 4,
  sfuPort: 9000,
  sfuWorkers: Math.max(1, availableParallelism()),
  lastN: 9,
  sfuTestLoss: 0,
  webRoot: null,
  turn: true,
  turnPort: 3478,
  turnTlsPort: 5349,
  turnListen: null,
  turnSecret: null,
  turnUrl: [],
  turnAllowPeer: [],
  turnRealm: 'lectern',
  turnCredentialTtlS: 3600,
  turnUserQuota: 30,
  turnTotalQuota: 2000,
  turnMaxPermissions: 32,
  turnBandwidthKbps: 20000,
  turnRelayPorts: { min: 49152, max: 65535 },
  publicUrl: null,
  allowedOrigins: [],
  jwtSecret: null,
  jwtPublicKey: null,
  jwtJwks: null,
  jwtAudience: null,
  joinLimitIpSession: 10,
  joinLimitIp: 30,
  joinLimitSession: 60,
  joinLimitWindowS: 60,
  maxClassRooms: 1000,
  trustProxy: false,
  classRoomsPerIp: 20,
  classRoomIdleDays: 365,
};

/**
 * The burst a connection may send: as configured, or by default enough for a joiner of the
 * largest mesh to send an offer and its trickled candidates to everyone at once (about 10
 * messages each). Through the SFU a joiner signals only the server, so the mesh size counts:
 * `--sfu-threshold` people with auto, none with sfu.
 */
export function messageBurstFor(config: Pick<LecternConfig, 'messageBurst' | 'maxParticipants' | 'topology' | 'sfuThreshold'>): number {
  const largestMesh = config.topology === 'mesh' ? config.maxParticipants : config.topology === 'auto' ? Math.min(config.maxParticipants, config.sfuThreshold) : 2;
  return config.messageBurst || Math.max(100, 12 * largestMesh);
}

/** A configuration problem, reported as one line and exit code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The env var that sets an option, e.g. `LECTERN_MAX_PARTICIPANTS`. */
export function envName(flag: string): string {
  return `LECTERN_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/** Result of reading the command line: either help/version requests or a config. */
export type CliResult = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: LecternConfig };

/** Parses flags (which win) and env vars into a validated config. Throws ConfigError. */
export function loadConfig(argv: readonly string[], env: Record<string, string | undefined>, base: Partial<LecternConfig> = {}): CliResult {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const o of OPTIONS) {
    options[o.flag] = { type: o.kind === 'bool' ? 'boolean' : 'string', ...(REPEATABLE.includes(o.kind) ? { multiple: true } : {}) };
    if (o.kind === 'bool') options[`no-${o.flag}`] = { type: 'boolean' };
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const config: LecternConfig = { ...DEFAULTS, ...base };
  const target = config as unknown as Record<string, unknown>;
  const set = new Set<string>(Object.keys(base));
  const given = (key: keyof LecternConfig) => set.has(key);
  for (const o of OPTIONS) {
    let raw: string | boolean | string[] | undefined = values[o.flag];
    let source = `--${o.flag}`;
    if (o.kind === 'bool' && values[`no-${o.flag}`]) raw = false;
    if (raw === undefined && env[envName(o.flag)] !== undefined) {
      raw = env[envName(o.flag)];
      source = envName(o.flag);
    }
    if (raw === undefined) continue;
    target[o.key] = convert(o, raw, source);
    set.add(o.key);
  }
  // Peer to peer, every participant uploads a copy per peer: past six nobody's uplink copes.
  if (config.topology === 'mesh' && !given('maxParticipants')) config.maxParticipants = MAX_PARTICIPANTS_MESH;
  if ((config.certFile === null) !== (config.keyFile === null)) {
    throw new ConfigError('--cert and --key must be given together');
  }
  if (config.http && config.certFile) throw new ConfigError('--http cannot be combined with --cert/--key');
  if (config.sfuPort > 0 && config.sfuPort + Math.max(1, config.sfuWorkers) - 1 > 65535) throw new ConfigError(`--sfu-port ${config.sfuPort} leaves no room for ${config.sfuWorkers} workers' ports`);
  if (config.turnUrl.length > 0 && !config.turnSecret) throw new ConfigError('--turn-url needs --turn-secret (the external server\'s static-auth-secret)');
  checkJoinTokens(config);
  config.dataDir = resolve(config.dataDir);
  if (config.database !== null && config.database !== ':memory:') config.database = resolve(config.database);
  return { kind: 'run', config };
}

function checkJoinTokens(config: LecternConfig): void {
  const keyed = config.jwtSecret !== null || config.jwtPublicKey !== null || config.jwtJwks !== null;
  if (config.jwtPublicKey !== null && config.jwtJwks !== null) throw new ConfigError('give --jwt-public-key or --jwt-jwks, not both');
  if (config.jwtSecret !== null && config.jwtSecret.length < 32) throw new ConfigError('--jwt-secret must be 32 characters or more');
  if (keyed && config.jwtAudience === null && config.publicUrl === null) {
    throw new ConfigError('join tokens need an audience: set --public-url (or --jwt-audience)');
  }
  if (config.jwtPublicKey !== null) config.jwtPublicKey = resolve(config.jwtPublicKey);
  if (config.jwtJwks !== null) config.jwtJwks = resolve(config.jwtJwks);
}

const REPEATABLE: readonly Kind[] = ['list', 'cidrs', 'urls', 'origins'];

/** An http(s) URL with nothing but scheme, host and port (`/` allowed): a web origin. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

function convert(o: OptionSpec, raw: string | boolean | string[], source: string): unknown {
  const bad = (why: string): never => {
    throw new ConfigError(`invalid ${source} ${JSON.stringify(raw)}: ${why}`);
  };
  if (REPEATABLE.includes(o.kind)) {
    // Flags repeat; an env var lists values separated by commas or spaces.
    const items = (Array.isArray(raw) ? raw : String(raw).split(/[\s,]+/)).map((v) => v.trim()).filter((v) => v !== '');
    for (const item of items) {
      if (o.kind === 'cidrs') {
        try {
          parseCidr(item);
        } catch (err) {
          bad((err as Error).message);
        }
      }
      if (o.kind === 'urls' && !/^(turns?|stuns?):[^\s]+$/.test(item)) bad('must be a turn:, turns: or stun: URL');
      if (o.kind === 'origins' && item !== '*' && !isOrigin(item)) bad('must be an origin like https://lms.example.edu, or *');
    }
    if (o.kind === 'list' && items.length === 0) bad('must not be empty');
    return items;
  }
  const one = Array.isArray(raw) ? raw[raw.length - 1]! : raw;
  switch (o.kind) {
    case 'bool': {
      if (typeof one === 'boolean') return one;
      const v = one.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      return bad('expected true or false');
    }
    case 'int': {
      const text = String(one).trim();
      if (!/^\d+$/.test(text)) return bad(`must be a whole number from ${o.min} to ${o.max}`);
      const n = Number(text);
      if (n < (o.min ?? 0) || n > (o.max ?? Number.MAX_SAFE_INTEGER)) return bad(`must be from ${o.min} to ${o.max}`);
      return n;
    }
    case 'fraction': {
      const text = String(one).trim();
      const n = Number(text);
      if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || n < (o.min ?? 0) || n > (o.max ?? 1)) return bad(`must be a number from ${o.min} to ${o.max}`);
      return n;
    }
    case 'level': {
      const v = String(one).trim();
      if (!(LOG_LEVELS as readonly string[]).includes(v)) return bad(`must be one of ${LOG_LEVELS.join(', ')}`);
      return v;
    }
    case 'choice': {
      const v = String(one).trim();
      if (!o.choices!.includes(v)) return bad(`must be one of ${o.choices!.join(', ')}`);
      return v;
    }
    case 'url': {
      const v = String(one).trim();
      if (!/^https?:\/\/[^\s]+$/.test(v) || !URL.canParse(v)) return bad('must be an http:// or https:// URL');
      return v;
    }
    case 'range': {
      const m = /^(\d{1,5})-(\d{1,5})$/.exec(String(one).trim());
      const min = Number(m?.[1]);
      const max = Number(m?.[2]);
      if (!m || min < 1024 || max > 65535 || min > max) return bad('must be two ports min-max, from 1024 to 65535');
      return { min, max };
    }
    default: {
      const v = String(one).trim();
      if (v === '') return bad('must not be empty');
      return v;
    }
  }
}

/** The `--help` text, generated from the option table. */
export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const flag = o.kind === 'bool' ? `--${o.flag}` : `--${o.flag} <${o.kind === 'int' || o.kind === 'fraction' ? 'n' : 'value'}>`;
    const def = DEFAULTS[o.key];
    const text = Array.isArray(def) ? (def.length ? def.join(',') : null) : def !== null && typeof def === 'object' ? `${def.min}-${def.max}` : def;
    const shown = o.key === 'database' ? ' (default: <data-dir>/lectern.sqlite)' : text === null ? '' : ` (default: ${o.key === 'dataDir' ? '~/.lectern' : String(text)})`;
    return `  ${flag.padEnd(30)} ${o.help}${shown}\n  ${''.padEnd(30)} env: ${envName(o.flag)}${o.kind === 'bool' ? `; --no-${o.flag} turns it off` : ''}`;
  });
  return [
    'Usage: lectern [options]',
    '',
    'Runs the Lectern server: web app, WebSocket signaling (/ws) and /healthz on one port.',
    'Every option can also be set with its environment variable; a flag wins over the env.',
    '',
    'Options:',
    ...rows,
    `  ${'--help'.padEnd(30)} show this help`,
    `  ${'--version'.padEnd(30)} print the version`,
    '',
  ].join('\n');
}
