import type { ChildProcess, Serializable } from 'node:child_process';

/**
 * The next IPC report from one of a benchmark's child processes whose `report` is one of
 * `kinds`, after sending it `command` when one is given. A `failed` report, the child's exit,
 * or a send that fails rejects; `who` names the child in those errors.
 */
export function nextReport<T extends { report: string }>(child: ChildProcess, kinds: readonly string[], command?: Serializable, who = 'child process'): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const onMessage = (m: { report: string; error?: string }): void => {
      if (m.report === 'failed') done(new Error(`${who}: ${m.error}`));
      else if (kinds.includes(m.report)) done(null, m as T);
    };
    const onExit = (code: number | null): void => done(new Error(`${who} exited (${code}) before answering`));
    function done(err: Error | null, m?: T): void {
      if (settled) return;
      settled = true;
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
    if (command === undefined) return;
    if (!child.connected) return done(new Error(`${who} is gone (exit code ${child.exitCode}, signal ${child.signalCode})`));
    child.send(command, (err) => {
      if (err) done(err);
    });
  });
}
