import type { FileTransfer, TransferFailureReason } from '@lectern/client';

/** 1536 → "1.5 KB"; binary multiples, one decimal. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Seconds → "45 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}

const FAILURES: Record<TransferFailureReason, string> = {
  integrity: 'the file arrived damaged (its SHA-256 did not match), so nothing was saved',
  connection: 'the connection was lost',
  read: 'the file could not be read',
  write: 'the file could not be stored',
  protocol: "the other person's app sent something unexpected",
  'too-large': 'more data arrived than was announced',
};

/** One line saying where a transfer is, in plain words. */
export function describeTransfer(t: FileTransfer, savedToDisk: boolean): string {
  const peer = t.peerName;
  const sending = t.direction === 'send';
  switch (t.state) {
    case 'offered':
      return `${peer} wants to send you this file`;
    case 'waiting':
      return `Waiting for ${peer} to accept`;
    case 'transferring':
      return sending ? `Sending to ${peer}` : `Receiving from ${peer}`;
    case 'verifying':
      return sending ? `Waiting for ${peer} to confirm` : 'Checking the file…';
    case 'complete':
      return sending ? `Sent to ${peer}` : savedToDisk ? `Saved (verified) from ${peer}` : `Received and verified from ${peer}`;
    case 'declined':
      return sending ? `${peer} declined` : 'You declined';
    case 'cancelled':
      return t.cancelledBy === 'local' ? 'Cancelled by you' : `Cancelled by ${peer}`;
    case 'failed':
      return `Failed: ${FAILURES[t.failure?.reason ?? 'connection']}`;
  }
}
