import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';

/** Runs a command to completion (killed after `timeoutMs`); returns its exit code and all output. */
export function runCommand(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** A UDP port on loopback that was free a moment ago (for tools that cannot take port 0). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Totals from the summary coturn's turnutils_uclient prints at the end. */
export function uclientSummary(out: string): { sent: number; received: number; lost: number } | null {
  const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(out);
  const lost = /Total lost packets (\d+)/.exec(out);
  if (!totals || !lost) return null;
  return { sent: Number(totals[1]), received: Number(totals[2]), lost: Number(lost[1]) };
}
