/**
 * An SFU worker process: one {@link Sfu} with its own UDP port, driven by the signaling process
 * over Node IPC (see worker-protocol.ts). Media work here never stalls the event loop that
 * serves signaling, and a native crash takes down this process only; the parent restarts it.
 */
import { LecternError, ErrorCodes } from '@lectern/protocol';
import { createLogger } from '../logger.js';
import { Sfu } from './sfu.js';
import { STATS_EVERY_MS, WORKER_INIT_ENV, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

const init = JSON.parse(process.env[WORKER_INIT_ENV] ?? 'null') as WorkerInit | null;
if (!init || typeof process.send !== 'function') {
  console.error('lectern: the SFU worker is started by the server, not by hand');
  process.exit(2);
}
const log = createLogger(init.logLevel).child({ component: 'sfu', worker: init.index });
const post = (m: FromWorker): void => {
  // The parent may be gone already (then 'disconnect' below ends this process).
  if (process.connected) process.send!(m);
};
const sfu = new Sfu(init.options, (code, participantId, message) => post({ op: 'send', code, participantId, message }), log);

process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'SFU worker failed');
  process.exit(1);
});
// The signaling process went away (crashed or killed): nothing may keep the port.
process.on('disconnect', () => {
  sfu.close();
  process.exit(0);
});

process.on('message', (m: ToWorker) => {
  switch (m.op) {
    case 'join':
      try {
        sfu.join(m.code, m.participantId);
      } catch (err) {
        log.warn({ err, code: m.code }, 'SFU join refused');
      }
      return;
    case 'leave':
      return sfu.leave(m.code, m.participantId);
    case 'forced-off':
      return sfu.setForcedOff(m.code, m.participantId, m.off);
    case 'signal':
      try {
        sfu.handle(m.code, m.participantId, m.message);
      } catch (err) {
        const e = err instanceof LecternError ? err : new LecternError(ErrorCodes.INTERNAL, 'the SFU failed to handle this request');
        if (!(err instanceof LecternError)) log.error({ err, ref: m.message.type }, 'unexpected SFU failure');
        post({ op: 'refused', code: m.code, participantId: m.participantId, ref: m.message.type, error: { code: e.code, message: e.message } });
      }
      return;
    case 'close':
      sfu.close();
      process.disconnect();
      return;
  }
});

setInterval(() => post({ op: 'stats', stats: sfu.stats() }), STATS_EVERY_MS).unref();

log.info({ pid: process.pid, port: init.options.network.port }, 'SFU worker started');
post({ op: 'ready' });
