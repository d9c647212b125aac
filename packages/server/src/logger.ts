import { pino, type Logger } from 'pino';
import type { LecternConfig } from './config.js';

/** One structured JSON line per event; no secrets or SDP bodies at info. */
export function createLogger(level: LecternConfig['logLevel']): Logger {
  return pino({ level, base: { service: 'lectern' } });
}
