/**
 * Swaps new ICE servers (fresh TURN credentials) into a connection for future gathering, e.g.
 * an ICE restart. A browser that refuses the change keeps the old servers; their allocations
 * live on.
 */
export function swapIceServers(pc: RTCPeerConnection, iceServers: RTCIceServer[]): void {
  if (typeof pc.setConfiguration !== 'function') return;
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
  } catch {
    // Kept the old servers (see above).
  }
}
