import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, DEFAULTS, OPTIONS, envName, helpText, loadConfig, type LecternConfig } from './config.js';

function run(argv: string[], env: Record<string, string | undefined> = {}, base: Partial<LecternConfig> = {}): LecternConfig {
  const r = loadConfig(argv, env, base);
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') throw new Error('unreachable');
  return r.config;
}

function configError(argv: string[], env: Record<string, string | undefined> = {}): ConfigError {
  try {
    loadConfig(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    assert.ok(!err.message.includes('\n'), `message must be one line: ${JSON.stringify(err.message)}`);
    return err;
  }
  assert.fail(`expected ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
}

describe('config: defaults', () => {
  test('no flags and no env give the documented defaults', () => {
    assert.deepEqual(run([]), { ...DEFAULTS, dataDir: resolve(homedir(), '.lectern') });
    assert.equal(DEFAULTS.port, 9000);
    assert.equal(DEFAULTS.host, '::');
    assert.equal(DEFAULTS.http, false);
    assert.equal(DEFAULTS.maxParticipants, 50);
    assert.equal(DEFAULTS.topology, 'auto');
    assert.equal(DEFAULTS.qr, true);
    assert.equal(DEFAULTS.certFile, null);
  });

  test('peer to peer only (--topology mesh), a session holds 6 unless told otherwise', () => {
    assert.equal(run(['--topology', 'mesh']).maxParticipants, 6);
    assert.equal(run([], { LECTERN_TOPOLOGY: 'mesh' }).maxParticipants, 6);
    assert.equal(run(['--topology', 'mesh', '--max-participants', '9']).maxParticipants, 9);
    assert.equal(run(['--topology', 'mesh'], { LECTERN_MAX_PARTICIPANTS: '50' }).maxParticipants, 50);
    assert.equal(run(['--topology', 'sfu']).maxParticipants, 50);
  });

  test('unrelated env vars are ignored', () => {
    assert.deepEqual(run([], { PORT: '1', HOST: 'x', LECTERN: '1' }), run([]));
  });

  test('base values (e.g. webRoot) are kept', () => {
    assert.equal(run([], {}, { webRoot: '/srv/web' }).webRoot, '/srv/web');
  });

  test('every option has an env var in upper snake case', () => {
    assert.equal(envName('max-participants'), 'LECTERN_MAX_PARTICIPANTS');
    assert.equal(envName('port'), 'LECTERN_PORT');
  });
});

describe('config: flags and env', () => {
  test('each flag sets its option', () => {
    const c = run([
      '--port', '8443', '--host', '127.0.0.1', '--data-dir', '/tmp/lectern-x', '--max-participants', '12',
      '--heartbeat-timeout-ms', '2000', '--empty-room-ttl-ms', '5000', '--max-rooms', '3', '--log-level', 'debug', '--http', '--no-qr',
    ]);
    assert.equal(c.port, 8443);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, '/tmp/lectern-x');
    assert.equal(c.maxParticipants, 12);
    assert.equal(c.heartbeatTimeoutMs, 2000);
    assert.equal(c.emptyRoomTtlMs, 5000);
    assert.equal(c.maxRooms, 3);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.http, true);
    assert.equal(c.qr, false);
  });

  test('--flag=value form works', () => {
    assert.equal(run(['--port=1234']).port, 1234);
  });

  test('each env var sets its option', () => {
    const c = run([], {
      LECTERN_PORT: '7000', LECTERN_HOST: '0.0.0.0', LECTERN_HTTP: 'true', LECTERN_DATA_DIR: '/var/lib/lectern',
      LECTERN_MAX_PARTICIPANTS: '8', LECTERN_HEARTBEAT_TIMEOUT_MS: '5000', LECTERN_EMPTY_ROOM_TTL_MS: '1000',
      LECTERN_MAX_ROOMS: '9', LECTERN_LOG_LEVEL: 'warn', LECTERN_QR: 'off',
    });
    assert.deepEqual(
      [c.port, c.host, c.http, c.dataDir, c.maxParticipants, c.heartbeatTimeoutMs, c.emptyRoomTtlMs, c.maxRooms, c.logLevel, c.qr],
      [7000, '0.0.0.0', true, '/var/lib/lectern', 8, 5000, 1000, 9, 'warn', false],
    );
  });

  test('cert and key from env', () => {
    const c = run([], { LECTERN_CERT: '/etc/c.pem', LECTERN_KEY: '/etc/k.pem' });
    assert.equal(c.certFile, '/etc/c.pem');
    assert.equal(c.keyFile, '/etc/k.pem');
  });

  test('a flag beats its env var', () => {
    const env = { LECTERN_PORT: '7000', LECTERN_HOST: '0.0.0.0', LECTERN_MAX_PARTICIPANTS: '8', LECTERN_LOG_LEVEL: 'warn', LECTERN_HTTP: '1', LECTERN_QR: '0' };
    const c = run(['--port', '7001', '--host', '::1', '--max-participants', '3', '--log-level', 'error', '--no-http', '--qr'], env);
    assert.equal(c.port, 7001);
    assert.equal(c.host, '::1');
    assert.equal(c.maxParticipants, 3);
    assert.equal(c.logLevel, 'error');
    assert.equal(c.http, false);
    assert.equal(c.qr, true);
  });

  test('a bad env var is not consulted when the flag is given', () => {
    assert.equal(run(['--port', '80'], { LECTERN_PORT: 'eighty' }).port, 80);
  });

  test('boolean env spellings', () => {
    for (const v of ['1', 'true', 'TRUE', 'yes', 'on', ' On ']) assert.equal(run([], { LECTERN_HTTP: v }).http, true, v);
    for (const v of ['0', 'false', 'no', 'off', '']) assert.equal(run([], { LECTERN_HTTP: v }).http, false, v);
  });

  test('--no-qr turns the QR code off; --qr keeps it on', () => {
    assert.equal(run(['--no-qr']).qr, false);
    assert.equal(run(['--qr']).qr, true);
    assert.equal(run([], { LECTERN_QR: 'false' }).qr, false);
  });

  test('the data dir is made absolute', () => {
    assert.equal(run(['--data-dir', 'rel/dir']).dataDir, resolve('rel/dir'));
  });

  test('port 0 (pick a free one) and bounds are accepted', () => {
    assert.equal(run(['--port', '0']).port, 0);
    assert.equal(run(['--port', '65535']).port, 65535);
    assert.equal(run(['--max-participants', '2']).maxParticipants, 2);
    assert.equal(run(['--max-participants', '50']).maxParticipants, 50);
  });

  test('--sfu-test-loss (a testing aid) takes a fraction from 0 to 0.5; off by default', () => {
    assert.equal(DEFAULTS.sfuTestLoss, 0);
    assert.equal(run(['--sfu-test-loss', '0.05']).sfuTestLoss, 0.05);
    assert.equal(run(['--sfu-test-loss', '.5']).sfuTestLoss, 0.5);
    assert.equal(run([], { LECTERN_SFU_TEST_LOSS: '0' }).sfuTestLoss, 0);
    assert.match(helpText(), /--sfu-test-loss <n> +for testing only/);
  });
});

describe('config: invalid values stop with one clear line', () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--port', 'abc'], {}, /--port/],
    [['--port', '65536'], {}, /--port.*65536/],
    [['--port', '-1'], {}, /port/],
    [['--port', '80.5'], {}, /--port/],
    [['--port', ''], {}, /--port/],
    [[], { LECTERN_PORT: 'x' }, /LECTERN_PORT/],
    [[], { LECTERN_PORT: '99999' }, /LECTERN_PORT/],
    [['--max-participants', '1'], {}, /--max-participants/],
    [['--max-participants', '51'], {}, /--max-participants/],
    [['--heartbeat-timeout-ms', '10'], {}, /--heartbeat-timeout-ms/],
    [['--max-rooms', '0'], {}, /--max-rooms/],
    [[], { LECTERN_EMPTY_ROOM_TTL_MS: '-5' }, /LECTERN_EMPTY_ROOM_TTL_MS/],
    [['--log-level', 'loud'], {}, /--log-level.*loud/],
    [[], { LECTERN_LOG_LEVEL: 'INFO ' }, /LECTERN_LOG_LEVEL/],
    [[], { LECTERN_HTTP: 'maybe' }, /LECTERN_HTTP/],
    [['--host', '  '], {}, /--host/],
    [[], { LECTERN_DATA_DIR: '' }, /LECTERN_DATA_DIR/],
    [['--bogus'], {}, /bogus/],
    [['positional'], {}, /positional/],
    [['--port'], {}, /port/],
    [['--sfu-test-loss', '0.6'], {}, /--sfu-test-loss.*0 to 0\.5/],
    [['--sfu-test-loss', '-0.1'], {}, /--sfu-test-loss/],
    [['--sfu-test-loss', '5%'], {}, /--sfu-test-loss/],
    [['--sfu-test-loss', '1e-2'], {}, /--sfu-test-loss/],
    [[], { LECTERN_SFU_TEST_LOSS: 'NaN' }, /LECTERN_SFU_TEST_LOSS/],
  ];
  for (const [argv, env, pattern] of cases) {
    test(`${JSON.stringify(argv)} ${JSON.stringify(env)}`, () => {
      assert.match(configError(argv, env).message, pattern);
    });
  }

  test('--cert without --key (and the reverse)', () => {
    assert.match(configError(['--cert', '/c.pem']).message, /--cert.*--key/);
    assert.match(configError(['--key', '/k.pem']).message, /--cert.*--key/);
    assert.match(configError([], { LECTERN_CERT: '/c.pem' }).message, /--cert.*--key/);
  });

  test('--http with --cert/--key', () => {
    assert.match(configError(['--http', '--cert', '/c.pem', '--key', '/k.pem']).message, /--http/);
  });
});

describe('config: --help and --version', () => {
  test('--help and --version are recognised, even with other flags', () => {
    assert.deepEqual(loadConfig(['--help'], {}), { kind: 'help' });
    assert.deepEqual(loadConfig(['--version'], {}), { kind: 'version' });
    assert.deepEqual(loadConfig(['--port', '1', '--help'], {}), { kind: 'help' });
    // Help wins over a bad env var: the user is asking how to fix it.
    assert.deepEqual(loadConfig(['--help'], { LECTERN_PORT: 'bad' }), { kind: 'help' });
  });

  test('helpText lists every option, its env var and --no- forms', () => {
    const text = helpText();
    assert.ok(OPTIONS.length >= 12);
    for (const o of OPTIONS) {
      assert.ok(text.includes(`--${o.flag}`), `missing --${o.flag}`);
      assert.ok(text.includes(envName(o.flag)), `missing ${envName(o.flag)}`);
      assert.ok(text.includes(o.help), `missing help for ${o.flag}`);
      if (o.kind === 'bool') assert.ok(text.includes(`--no-${o.flag}`), `missing --no-${o.flag}`);
    }
    for (const flag of ['--help', '--version', '--cert', '--key', '--data-dir', '--max-participants', '--heartbeat-timeout-ms', '--empty-room-ttl-ms', '--max-rooms', '--log-level']) {
      assert.ok(text.includes(flag), flag);
    }
    assert.match(text, /default: 9000/);
    assert.match(text, /default: 6/);
    assert.match(text, /~\/\.lectern/);
    assert.ok(!text.includes(homedir() + '/.lectern'), 'help should not print the home path');
  });

  test('every config key is covered by an option (except webRoot)', () => {
    const keys = new Set(OPTIONS.map((o) => o.key));
    for (const k of Object.keys(DEFAULTS)) if (k !== 'webRoot') assert.ok(keys.has(k as never), k);
  });
});

describe('config: TURN relay', () => {
  test('defaults: relay on, 3478/5349, no allow-list, generated secret', () => {
    const c = run([]);
    assert.equal(c.turn, true);
    assert.equal(c.turnPort, 3478);
    assert.equal(c.turnTlsPort, 5349);
    assert.deepEqual(c.turnAllowPeer, []);
    assert.equal(c.turnSecret, null);
    assert.deepEqual(c.turnRelayPorts, { min: 49152, max: 65535 });
  });

  test('repeatable flags collect; the env var takes a comma-separated list', () => {
    assert.deepEqual(run(['--turn-allow-peer', '10.0.0.0/8', '--turn-allow-peer', 'fd00::/8']).turnAllowPeer, ['10.0.0.0/8', 'fd00::/8']);
    assert.deepEqual(run([], { LECTERN_TURN_ALLOW_PEER: '127.0.0.0/8, 192.168.1.0/24' }).turnAllowPeer, ['127.0.0.0/8', '192.168.1.0/24']);
    assert.deepEqual(run(['--turn-listen', '127.0.0.1']).turnListen, ['127.0.0.1']);
    assert.deepEqual(run(['--turn-relay-ports', '50000-50999']).turnRelayPorts, { min: 50000, max: 50999 });
    assert.equal(run(['--no-turn']).turn, false);
    const ext = run(['--turn-url', 'turn:turn.example.org:3478', '--turn-url', 'turns:turn.example.org:5349', '--turn-secret', 's3cret']);
    assert.deepEqual(ext.turnUrl, ['turn:turn.example.org:3478', 'turns:turn.example.org:5349']);
  });

  test('bad TURN options stop with one line', () => {
    assert.match(configError(['--turn-allow-peer', '10.0.0.0/33']).message, /--turn-allow-peer/);
    assert.match(configError(['--turn-allow-peer', 'lan']).message, /not an address or CIDR/);
    assert.match(configError(['--turn-url', 'http://x']).message, /turn:, turns: or stun:/);
    assert.match(configError(['--turn-url', 'turn:x:3478']).message, /needs --turn-secret/);
    assert.match(configError(['--turn-relay-ports', '60000-50000']).message, /min-max/);
    assert.match(configError(['--turn-port', '70000']).message, /--turn-port/);
    assert.match(configError([], { LECTERN_TURN_CREDENTIAL_TTL: '5' }).message, /LECTERN_TURN_CREDENTIAL_TTL/);
  });

  test('--help lists every TURN option', () => {
    const help = helpText();
    for (const o of OPTIONS.filter((x) => x.flag.startsWith('turn'))) assert.ok(help.includes(`--${o.flag}`), o.flag);
    assert.match(help, /49152-65535/);
  });
});

describe('config: access', () => {
  const secret = 'x'.repeat(32);

  test('origins, public URL, join limits and JWT keys from flags and env', () => {
    const c = run(
      ['--allowed-origins', 'https://lms.example.edu', '--allowed-origins', '*', '--public-url', 'https://class.example.edu/', '--jwt-secret', secret, '--join-limit-ip', '7'],
      { LECTERN_JOIN_LIMIT_WINDOW: '5', LECTERN_JWT_AUDIENCE: 'lectern' },
    );
    assert.deepEqual(c.allowedOrigins, ['https://lms.example.edu', '*']);
    assert.equal(c.publicUrl, 'https://class.example.edu/');
    assert.equal(c.jwtSecret, secret);
    assert.equal(c.jwtAudience, 'lectern');
    assert.equal(c.joinLimitIp, 7);
    assert.equal(c.joinLimitWindowS, 5);
    assert.equal(run(['--jwt-public-key', 'key.pem', '--public-url', 'https://a.example']).jwtPublicKey, resolve('key.pem'));
    assert.deepEqual(run([], { LECTERN_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443' }).allowedOrigins, ['https://a.example', 'https://b.example:8443']);
  });

  test('bad access options stop with one line', () => {
    assert.match(configError(['--allowed-origins', 'lms.example.edu']).message, /origin like/);
    assert.match(configError(['--allowed-origins', 'https://lms.example.edu/path']).message, /origin like/);
    assert.match(configError(['--public-url', 'ftp://x']).message, /http/);
    assert.match(configError(['--jwt-secret', secret]).message, /--public-url/);
    assert.match(configError(['--jwt-secret', 'short', '--public-url', 'https://a.example']).message, /32 characters/);
    assert.match(configError(['--jwt-public-key', 'a.pem', '--jwt-jwks', 'b.json', '--public-url', 'https://a.example']).message, /not both/);
    assert.match(configError(['--join-limit-ip', '0']).message, /join-limit-ip/);
  });
});
