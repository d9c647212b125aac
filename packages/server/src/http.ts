import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sirv from 'sirv';

/** What /healthz reports. */
export interface HealthSource {
  health(): Record<string, unknown>;
}

/** The HTTP side: /healthz, and the web app (every unknown path falls back to index.html). */
export function createRequestHandler(webRoot: string | null, health: HealthSource): (req: IncomingMessage, res: ServerResponse) => void {
  const hasApp = webRoot !== null && existsSync(join(webRoot, 'index.html'));
  const assets = hasApp
    ? sirv(webRoot, { single: true, etag: true, gzip: false, brotli: false, setHeaders: securityHeaders })
    : null;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      const body = JSON.stringify({ status: 'ok', ...health.health() });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (!assets) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('the web app is not built; run "npm run build"\n');
      return;
    }
    assets(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
  };
}

function securityHeaders(res: ServerResponse, pathname: string): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('permissions-policy', 'camera=(self), microphone=(self), display-capture=(self)');
  if (pathname.endsWith('.html') || pathname === '/') res.setHeader('cache-control', 'no-cache');
}
