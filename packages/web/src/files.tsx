import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { WritableSink, type FileTransfer, type FileTransfers, type IncomingTransfer, type Room } from '@lectern/client';
import { describeTransfer, formatBytes, formatDuration } from './files-words.js';
import { Icon } from './icons.js';

const EVERYONE = '*';

/** Re-renders when any transfer is added, changes or is removed. */
function useTransfers(files: FileTransfers): FileTransfer[] {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const offs = (['transferAdded', 'transferUpdated', 'transferRemoved'] as const).map((e) => files.on(e, () => bump(undefined)));
    return () => offs.forEach((off) => off());
  }, [files]);
  return files.list;
}

/** File transfer in the call: pick a recipient and a file, and the list of transfers. */
export function Files(props: { room: Room }) {
  const { room } = props;
  const files = room.files;
  const transfers = useTransfers(files);
  const [to, setTo] = useState(EVERYONE);
  const [diskIds] = useState(() => new Set<string>());
  const input = useRef<HTMLInputElement>(null);
  const remotes = [...room.participants.values()];
  const target = to === EVERYONE || remotes.some((p) => p.id === to) ? to : EVERYONE;

  const onPicked = () => {
    const file = input.current?.files?.[0];
    if (!file) return;
    files.send(file, target === EVERYONE ? remotes.map((p) => p.id) : [target]);
    input.current!.value = '';
  };

  return (
    <section class="files" aria-label="File transfer">
      <div class="files-send">
        <label for="file-to">Send a file to</label>
        <select id="file-to" value={target} onChange={(e) => setTo(e.currentTarget.value)} disabled={remotes.length === 0}>
          <option value={EVERYONE}>Everyone</option>
          {remotes.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <input ref={input} type="file" class="visually-hidden" tabIndex={-1} aria-label="Choose a file to send" onChange={onPicked} />
        <button type="button" disabled={remotes.length === 0} onClick={() => input.current?.click()} aria-label="Send file">
          <Icon name="attach" /> Send file
        </button>
      </div>
      {transfers.length > 0 && (
        <ul class="transfers" aria-label="Transfers">
          {transfers.map((t) => (
            <TransferRow key={t.id} transfer={t} toDisk={diskIds.has(t.id)} onDisk={() => diskIds.add(t.id)} onRemove={() => files.remove(t.id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function TransferRow(props: { transfer: FileTransfer; toDisk: boolean; onDisk: () => void; onRemove: () => void }) {
  const t = props.transfer;
  const p = t.progress;
  const active = t.state === 'transferring' || t.state === 'verifying' || t.state === 'waiting' || t.state === 'offered';
  const showBar = t.state === 'transferring' || t.state === 'verifying' || t.state === 'complete';
  const incoming = t.direction === 'receive' ? (t as IncomingTransfer) : null;
  const [problem, setProblem] = useState<string | null>(null);

  const accept = async () => {
    if (!incoming) return;
    const picker = (window as { showSaveFilePicker?: (o: { suggestedName: string }) => Promise<FileSystemFileHandle> }).showSaveFilePicker;
    if (!picker) return void incoming.accept();
    let writable;
    try {
      const handle = await picker({ suggestedName: incoming.saveName });
      writable = await handle.createWritable();
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return; // the person closed the dialog
      setProblem('Could not open a file to save to; keeping it in memory instead.');
      return void incoming.accept();
    }
    props.onDisk();
    await incoming.accept(new WritableSink(writable));
  };

  return (
    <li class={`transfer ${t.state}`} data-testid="transfer" data-state={t.state} data-direction={t.direction}>
      <div class="transfer-head">
        <span class="transfer-name" title={t.name}>
          {t.direction === 'send' ? '⬆ ' : '⬇ '}
          {t.name || '(no name)'}
        </span>
        <span class="muted-text">{formatBytes(t.size)}</span>
      </div>
      <div class="muted-text" role="status">
        {describeTransfer(t, props.toDisk)}
      </div>
      {showBar && (
        <div class="transfer-progress">
          <progress max={Math.max(t.size, 1)} value={t.size === 0 && t.state === 'complete' ? 1 : p.bytes} aria-label={`Progress of ${t.name}`} />
          {active && (
            <span class="muted-text">
              {formatBytes(p.bytesPerSecond)}/s · {p.secondsLeft === null ? 'estimating…' : `${formatDuration(p.secondsLeft)} left`}
            </span>
          )}
        </div>
      )}
      {problem && <p class="muted-text">{problem}</p>}
      <div class="transfer-actions">
        {t.state === 'offered' && incoming && (
          <>
            <button type="button" class="primary" onClick={() => void accept()} aria-label={`Accept ${t.name} from ${t.peerName}`}>
              Accept
            </button>
            <button type="button" onClick={() => incoming.decline()} aria-label={`Decline ${t.name} from ${t.peerName}`}>
              Decline
            </button>
          </>
        )}
        {active && t.state !== 'offered' && (
          <button type="button" onClick={() => t.cancel()} aria-label={`Cancel transfer of ${t.name}`}>
            Cancel
          </button>
        )}
        {incoming?.file && <SaveLink file={incoming.file} name={incoming.saveName} />}
        {t.final && (
          <button type="button" class="link" onClick={props.onRemove} aria-label={`Remove ${t.name} from the list`}>
            Remove
          </button>
        )}
      </div>
    </li>
  );
}

/** "Save": a download link for a verified file kept in memory. */
function SaveLink(props: { file: Blob; name: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(props.file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [props.file]);
  if (!url) return null;
  return (
    <a class="button primary" href={url} download={props.name} aria-label={`Save ${props.name}`}>
      Save
    </a>
  );
}
