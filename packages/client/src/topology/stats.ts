import type { RemoteMediaStats } from './topology.js';

/**
 * Reduces an RTCStatsReport to the receive-side numbers the SDK reports. Inbound streams whose
 * `mid` is in `screenMids` count as the shared screen, the rest as camera and microphone.
 */
export function summarizeInboundStats(
  report: RTCStatsReport,
  connectionState: RTCPeerConnectionState,
  screenMids: ReadonlySet<string> = new Set(),
): RemoteMediaStats {
  const out: RemoteMediaStats = {
    framesDecoded: 0,
    frameWidth: 0,
    frameHeight: 0,
    videoPacketsReceived: 0,
    audioPacketsReceived: 0,
    bytesReceived: 0,
    localCandidateType: null,
    localRelayProtocol: null,
    videoCodec: null,
    connectionState,
    screen: { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPacketsReceived: 0 },
  };
  let selectedPair: string | null = null;
  let videoCodecId: string | null = null;
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => {
    byId.set(s.id as string, s);
    if (s.type === 'inbound-rtp' && typeof s.mid === 'string' && screenMids.has(s.mid)) {
      out.bytesReceived += num(s.bytesReceived);
      if (s.kind === 'video') {
        out.screen.framesDecoded += num(s.framesDecoded);
        out.screen.frameWidth = Math.max(out.screen.frameWidth, num(s.frameWidth));
        out.screen.frameHeight = Math.max(out.screen.frameHeight, num(s.frameHeight));
      } else if (s.kind === 'audio') {
        out.screen.audioPacketsReceived += num(s.packetsReceived);
      }
    } else if (s.type === 'inbound-rtp') {
      out.bytesReceived += num(s.bytesReceived);
      if (s.kind === 'video') {
        out.framesDecoded += num(s.framesDecoded);
        out.videoPacketsReceived += num(s.packetsReceived);
        if (num(s.packetsReceived) > 0 && typeof s.codecId === 'string') videoCodecId = s.codecId;
        out.frameWidth = Math.max(out.frameWidth, num(s.frameWidth));
        out.frameHeight = Math.max(out.frameHeight, num(s.frameHeight));
      } else if (s.kind === 'audio') {
        out.audioPacketsReceived += num(s.packetsReceived);
      }
    } else if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      selectedPair = s.selectedCandidatePairId;
    }
  });
  if (!selectedPair) {
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') selectedPair ??= s.id as string;
    });
  }
  const codec = videoCodecId ? byId.get(videoCodecId) : undefined;
  if (codec && typeof codec.mimeType === 'string') out.videoCodec = codec.mimeType;
  const pair = selectedPair ? byId.get(selectedPair) : undefined;
  const local = pair ? byId.get(pair.localCandidateId as string) : undefined;
  if (local && typeof local.candidateType === 'string') out.localCandidateType = local.candidateType;
  if (local && typeof local.relayProtocol === 'string') out.localRelayProtocol = local.relayProtocol;
  return out;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
