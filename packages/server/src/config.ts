import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

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
  /** UDP port the SFU's media uses for every participant (ICE UDP mux); 0 picks a free one. */
  sfuPort: number;
  /** SFU: most video streams one participant receives at once. */
  lastN: number;
  /** Directory of the built web app; null serves no UI (tests of the signaling alone). */
  webRoot: string | null;
}

type Kind = 'int' | 'string' | 'bool' | 'level' | 'choice';
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
export const OPTIONS: readonly OptionSpec[] = [
  { key: 'port', flag: 'port', kind: 'int', min: 0, max: 65535, help: 'TCP port for HTTP(S) and WebSocket (0 picks a free one)' },
  { key: 'host', flag: 'host', kind: 'string', help: 'address to listen on (:: means every IPv4 and IPv6 address)' },
  { key: 'http', flag: 'http', kind: 'bool', help: 'serve plain HTTP (behind a TLS-terminating reverse proxy)' },
  { key: 'certFile', flag: 'cert', kind: 'string', help: 'PEM certificate file (use with --key) instead of the generated one' },
  { key: 'keyFile', flag: 'key', kind: 'string', help: 'PEM private key file for --cert' },
  { key: 'dataDir', flag: 'data-dir', kind: 'string', help: 'where the generated certificate and server secret are kept' },
  { key: 'maxParticipants', flag: 'max-participants', kind: 'int', min: 2, max: 50, help: 'most people in one session' },
  { key: 'heartbeatTimeoutMs', flag: 'heartbeat-timeout-ms', kind: 'int', min: 1000, max: 600000, help: 'drop a client silent for this long' },
  { key: 'emptyRoomTtlMs', flag: 'empty-room-ttl-ms', kind: 'int', min: 1000, max: 86400000, help: 'keep an empty session joinable for this long' },
  { key: 'maxRooms', flag: 'max-rooms', kind: 'int', min: 1, max: 1000000, help: 'most sessions at once' },
  { key: 'logLevel', flag: 'log-level', kind: 'level', help: `log level: ${LOG_LEVELS.join(', ')}` },
  { key: 'qr', flag: 'qr', kind: 'bool', help: 'print a QR code for each URL at start' },
  { key: 'database', flag: 'database', kind: 'string', help: 'SQLite file for chat history (:memory: keeps nothing)' },
  { key: 'chatHistoryMax', flag: 'chat-history-max', kind: 'int', min: 1, max: 100000, help: 'most chat messages a session keeps for late joiners' },
  { key: 'chatHistoryHours', flag: 'chat-history-hours', kind: 'int', min: 1, max: 8760, help: 'delete chat messages older than this many hours' },
  { key: 'topology', flag: 'topology', kind: 'choice', choices: ['mesh', 'sfu', 'auto'], help: 'media path: mesh (peer to peer), sfu (through this server), or auto (mesh while small)' },
  { key: 'sfuThreshold', flag: 'sfu-threshold', kind: 'int', min: 2, max: 50, help: 'auto: a session with more people than this moves to the SFU' },
  { key: 'sfuPort', flag: 'sfu-port', kind: 'int', min: 0, max: 65535, help: 'UDP port for SFU media, shared by every participant (0 picks a free one)' },
  { key: 'lastN', flag: 'last-n', kind: 'int', min: 1, max: 49, help: 'SFU: most videos one participant receives at once' },
];

/** Defaults for every option. */
export const DEFAULTS: LecternConfig = {
  port: 9000,
  host: '::',
  http: false,
  certFile: null,
  keyFile: null,
  dataDir: resolve(homedir(), '.lectern'),
  maxParticipants: 6,
  heartbeatTimeoutMs: 15000,
  emptyRoomTtlMs: 10 * 60 * 1000,
  maxRooms: 10000,
  logLevel: 'info',
  qr: true,
  database: null,
  chatHistoryMax: 500,
  chatHistoryHours: 24,
  topology: 'mesh',
  sfuThreshold: 4,
  sfuPort: 9000,
  lastN: 9,
  webRoot: null,
};

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
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const o of OPTIONS) {
    options[o.flag] = { type: o.kind === 'bool' ? 'boolean' : 'string' };
    if (o.kind === 'bool') options[`no-${o.flag}`] = { type: 'boolean' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const config: LecternConfig = { ...DEFAULTS, ...base };
  const target = config as unknown as Record<string, unknown>;
  for (const o of OPTIONS) {
    let raw: string | boolean | undefined = values[o.flag];
    let source = `--${o.flag}`;
    if (o.kind === 'bool' && values[`no-${o.flag}`]) raw = false;
    if (raw === undefined && env[envName(o.flag)] !== undefined) {
      raw = env[envName(o.flag)];
      source = envName(o.flag);
    }
    if (raw === undefined) continue;
    target[o.key] = convert(o, raw, source);
  }
  if ((config.certFile === null) !== (config.keyFile === null)) {
    throw new ConfigError('--cert and --key must be given together');
  }
  if (config.http && config.certFile) throw new ConfigError('--http cannot be combined with --cert/--key');
  config.dataDir = resolve(config.dataDir);
  if (config.database !== null && config.database !== ':memory:') config.database = resolve(config.database);
  return { kind: 'run', config };
}

function convert(o: OptionSpec, raw: string | boolean, source: string): unknown {
  const bad = (why: string): never => {
    throw new ConfigError(`invalid ${source} ${JSON.stringify(raw)}: ${why}`);
  };
  switch (o.kind) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      return bad('expected true or false');
    }
    case 'int': {
      const text = String(raw).trim();
      if (!/^\d+$/.test(text)) return bad(`must be a whole number from ${o.min} to ${o.max}`);
      const n = Number(text);
      if (n < (o.min ?? 0) || n > (o.max ?? Number.MAX_SAFE_INTEGER)) return bad(`must be from ${o.min} to ${o.max}`);
      return n;
    }
    case 'level': {
      const v = String(raw).trim();
      if (!(LOG_LEVELS as readonly string[]).includes(v)) return bad(`must be one of ${LOG_LEVELS.join(', ')}`);
      return v;
    }
    case 'choice': {
      const v = String(raw).trim();
      if (!o.choices!.includes(v)) return bad(`must be one of ${o.choices!.join(', ')}`);
      return v;
    }
    case 'string': {
      const v = String(raw).trim();
      if (v === '') return bad('must not be empty');
      return v;
    }
  }
}

/** The `--help` text, generated from the option table. */
export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const flag = o.kind === 'bool' ? `--${o.flag}` : `--${o.flag} <${o.kind === 'int' ? 'n' : 'value'}>`;
    const def = DEFAULTS[o.key];
    const shown = o.key === 'database' ? ' (default: <data-dir>/lectern.sqlite)' : def === null ? '' : ` (default: ${o.key === 'dataDir' ? '~/.lectern' : String(def)})`;
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
