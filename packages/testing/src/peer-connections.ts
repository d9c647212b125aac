import type { Page } from 'playwright-core';

/**
 * Keeps every RTCPeerConnection the page makes in `window.__pcs` (installed before the app's
 * scripts run), so a test can read stats or settings the SDK does not surface.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        all.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

/**
 * Keyframe requests (PLI) the page's screen encoder has received, from the outbound stats of the
 * sender carrying its shared screen (needs {@link recordPeerConnections} before the page loads).
 */
export function screenSenderPlis(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const room = (window as unknown as { lectern: { room: { localScreen: { video: MediaStreamTrack } | null } } }).lectern.room;
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const sender = pcs.flatMap((pc) => pc.getSenders()).find((s) => s.track === room.localScreen?.video);
    let plis = 0;
    (await sender?.getStats())?.forEach((r: { type: string; pliCount?: number }) => {
      if (r.type === 'outbound-rtp') plis += r.pliCount ?? 0;
    });
    return plis;
  });
}
