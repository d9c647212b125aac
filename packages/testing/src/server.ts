import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, createLogger, startServer, type LecternConfig, type LecternServer } from '@lectern/server';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The built web app the e2e tests serve. */
export const WEB_ROOT = join(repoRoot, 'packages', 'web', 'dist');
/** The `lectern` command. */
export const LECTERN_BIN = join(repoRoot, 'packages', 'server', 'bin', 'lectern.js');

/** A server started for one test, with its own data directory. */
export interface TestServer {
  server: LecternServer;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a real Lectern server in this process on a free loopback port. */
export async function startTestServer(overrides: Partial<LecternConfig> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'lectern-test-')));
  const config: LecternConfig = {
    ...DEFAULTS,
    port: 0,
    host: '127.0.0.1',
    http: true,
    dataDir,
    webRoot: WEB_ROOT,
    logLevel: (process.env.LECTERN_TEST_LOG as LecternConfig['logLevel']) ?? 'silent',
    qr: false,
    turnPort: 0,
    turnTlsPort: 0,
    sfuPort: 0,
    ...overrides,
  };
  const server = await startServer(config, createLogger(config.logLevel));
  const url = `${server.scheme}://127.0.0.1:${server.port}/`;
  return {
    server,
    url,
    dataDir,
    async close() {
      await server.close();
      if (!overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A server running as its own process (so a test can kill it like a crash would). */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `lectern` as a child process and waits until it prints its URLs. `launcher` prefixes the
 * command (e.g. `['ip', 'netns', 'exec', 'ns1']` runs it inside a network namespace).
 */
export async function spawnServer(args: string[], env: Record<string, string> = {}, launcher: string[] = []): Promise<ServerProcess> {
  const command = [...launcher, process.execPath, LECTERN_BIN, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, LECTERN_QR: 'false', LECTERN_LOG_LEVEL: 'info', LECTERN_TURN_PORT: '0', LECTERN_TURN_TLS_PORT: '0', LECTERN_SFU_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`lectern exited early (${child.exitCode}):\n${out}`);
      const m = /"urls":\["https?:\/\/[^"]*:(\d+)\//.exec(out);
      return m ? Number(m[1]) : null;
    },
    { timeoutMs: 20_000, what: 'lectern to start' },
  ).catch((err: unknown) => {
    child.kill('SIGKILL'); // a server that never came up must not outlive the test
    throw err;
  });
  const scheme = args.includes('--http') ? 'http' : 'https';
  return {
    child,
    port,
    url: `${scheme}://127.0.0.1:${port}/`,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `probe` until it returns a non-null value (or throws past the deadline). */
export async function waitFor<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 100, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
      if (err instanceof Error && err.message.startsWith('lectern exited early')) throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
