import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { ConfigError, helpText, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { serverUrls } from './network.js';
import { startServer } from './server.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..');
const webRoot = join(packageRoot, '..', 'web', 'dist');

async function main(): Promise<void> {
  let result;
  try {
    result = loadConfig(process.argv.slice(2), process.env, { webRoot });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lectern: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (result.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (result.kind === 'version') {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const { config } = result;
  const log = createLogger(config.logLevel);
  let server;
  try {
    server = await startServer(config, log);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE' ? `port ${config.port} is already in use (choose another with --port)` :
      e.code === 'EACCES' ? `not allowed to listen on port ${config.port} (ports below 1024 need privileges)` :
      e.code === 'ENOENT' ? `file not found: ${e.path}` :
      e.message;
    process.stderr.write(`lectern: cannot start: ${why}\n`);
    process.exit(1);
  }
  const urls = serverUrls(server.scheme, config.host, server.port);
  log.info({ urls, dataDir: config.dataDir }, 'lectern is running');
  const lines = ['', `Lectern is running. Open one of these in a browser:`, ''];
  for (const url of urls) {
    lines.push(`  ${url}`);
    if (config.qr && !url.includes('localhost')) {
      lines.push(await QRCode.toString(url, { type: 'terminal', small: true }));
    }
  }
  if (server.scheme === 'https' && !config.certFile) {
    lines.push('  The certificate is self-signed: the browser will warn once; choose "Advanced" → "Proceed".', '');
  }
  process.stderr.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`lectern: unhandled rejection: ${String(reason)}\n`);
});

main().catch((err: unknown) => {
  process.stderr.write(`lectern: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
