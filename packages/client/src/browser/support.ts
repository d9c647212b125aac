import { ErrorCodes, LecternError } from '@lectern/protocol';

/** Returns why this browser cannot run Lectern, or null when it can. */
export function checkBrowserSupport(g: typeof globalThis = globalThis): LecternError | null {
  const missing: string[] = [];
  if (typeof g.RTCPeerConnection !== 'function') missing.push('WebRTC');
  if (typeof g.WebSocket !== 'function') missing.push('WebSocket');
  if (typeof g.MediaStream !== 'function') missing.push('MediaStream');
  if (missing.length > 0) {
    return new LecternError(ErrorCodes.UNSUPPORTED_BROWSER, `this browser lacks ${missing.join(', ')}; use a current Chrome, Edge, Firefox or Safari`);
  }
  if (g.isSecureContext === false || !g.navigator?.mediaDevices?.getUserMedia) {
    return new LecternError(ErrorCodes.INSECURE_CONTEXT, 'the camera only works over HTTPS; open the https:// address the server printed');
  }
  return null;
}
