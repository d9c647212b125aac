import type { SignalTransport } from '../ports.js';

/** A {@link SignalTransport} over the browser's WebSocket. */
export function websocketTransport(url: string): SignalTransport {
  const ws = new WebSocket(url);
  const transport: SignalTransport = {
    onOpen: null,
    onMessage: null,
    onClose: null,
    send: (text) => ws.send(text),
    close: (code, reason) => {
      try {
        ws.close(code, reason);
      } catch {
        ws.close();
      }
    },
  };
  ws.onopen = () => transport.onOpen?.();
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') transport.onMessage?.(e.data);
  };
  let closed = false;
  const closeOnce = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    transport.onClose?.(code, reason);
  };
  ws.onclose = (e) => closeOnce(e.code, e.reason);
  ws.onerror = () => closeOnce(1006, 'connection failed');
  return transport;
}

/** The signaling URL of the server that served this page. */
export function defaultSignalingUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
