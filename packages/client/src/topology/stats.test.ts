import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeInboundStats } from './stats.js';

function report(entries: Array<Record<string, unknown>>): RTCStatsReport {
  return new Map(entries.map((e) => [e.id as string, e])) as unknown as RTCStatsReport;
}

const base = [
  { id: 'IT-v', type: 'inbound-rtp', kind: 'video', bytesReceived: 50_000, framesDecoded: 240, packetsReceived: 300, frameWidth: 640, frameHeight: 360, codecId: 'C-h264' },
  { id: 'C-h264', type: 'codec', mimeType: 'video/H264', payloadType: 102 },
  { id: 'IT-a', type: 'inbound-rtp', kind: 'audio', bytesReceived: 8_000, packetsReceived: 500 },
  { id: 'OT-v', type: 'outbound-rtp', kind: 'video', bytesSent: 99_999, packetsSent: 999 },
  { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP-relay' },
  { id: 'CP-host', type: 'candidate-pair', localCandidateId: 'L-host', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
  { id: 'CP-relay', type: 'candidate-pair', localCandidateId: 'L-relay', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
  { id: 'L-host', type: 'local-candidate', candidateType: 'host' },
  { id: 'L-relay', type: 'local-candidate', candidateType: 'relay', relayProtocol: 'tcp' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'srflx' },
];

describe('summarizeInboundStats', () => {
  it('sums inbound audio and video and follows transport → selected pair → local candidate', () => {
    assert.deepEqual(summarizeInboundStats(report(base), 'connected'), {
      framesDecoded: 240,
      frameWidth: 640,
      frameHeight: 360,
      videoPacketsReceived: 300,
      audioPacketsReceived: 500,
      bytesReceived: 58_000,
      localCandidateType: 'relay',
      localRelayProtocol: 'tcp',
      videoCodec: 'video/H264',
      connectionState: 'connected',
      screen: { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPacketsReceived: 0 },
    });
  });

  it('without a transport entry, uses the nominated succeeded pair', () => {
    const entries = base
      .filter((e) => e.type !== 'transport')
      .map((e) => (e.id === 'CP-relay' ? { ...e, nominated: false } : e));
    assert.equal(summarizeInboundStats(report(entries), 'connected').localCandidateType, 'host');
  });

  it('adds several inbound streams of one kind, keeping the largest frame size', () => {
    const s = summarizeInboundStats(
      report([
        { id: 'v1', type: 'inbound-rtp', kind: 'video', framesDecoded: 10, packetsReceived: 20, frameWidth: 320, frameHeight: 180, bytesReceived: 100 },
        { id: 'v2', type: 'inbound-rtp', kind: 'video', framesDecoded: 5, packetsReceived: 7, frameWidth: 1280, frameHeight: 720, bytesReceived: 50 },
      ]),
      'connecting',
    );
    assert.deepEqual(
      [s.framesDecoded, s.videoPacketsReceived, s.frameWidth, s.frameHeight, s.bytesReceived],
      [15, 27, 1280, 720, 150],
    );
  });

  it('treats missing and non-numeric fields as zero and reports no candidate type when unknown', () => {
    const s = summarizeInboundStats(
      report([
        { id: 'v', type: 'inbound-rtp', kind: 'video', framesDecoded: Number.NaN, packetsReceived: '12' },
        { id: 'T', type: 'transport', selectedCandidatePairId: 'missing' },
      ]),
      'new',
    );
    assert.deepEqual(s, {
      framesDecoded: 0,
      frameWidth: 0,
      frameHeight: 0,
      videoPacketsReceived: 0,
      audioPacketsReceived: 0,
      bytesReceived: 0,
      localCandidateType: null,
      localRelayProtocol: null,
      videoCodec: null,
      connectionState: 'new',
      screen: { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPacketsReceived: 0 },
    });
  });

  it('counts inbound streams on screen mids as the screen, apart from the camera', () => {
    const s = summarizeInboundStats(
      report([
        { id: 'cv', type: 'inbound-rtp', kind: 'video', mid: '1', framesDecoded: 100, packetsReceived: 120, frameWidth: 640, frameHeight: 360, bytesReceived: 10 },
        { id: 'ca', type: 'inbound-rtp', kind: 'audio', mid: '0', packetsReceived: 50, bytesReceived: 1 },
        { id: 'sv', type: 'inbound-rtp', kind: 'video', mid: '2', framesDecoded: 30, packetsReceived: 90, frameWidth: 1920, frameHeight: 1080, bytesReceived: 100 },
        { id: 'sa', type: 'inbound-rtp', kind: 'audio', mid: '3', packetsReceived: 70, bytesReceived: 1000 },
      ]),
      'connected',
      new Set(['2', '3']),
    );
    assert.deepEqual(
      [s.framesDecoded, s.videoPacketsReceived, s.frameWidth, s.audioPacketsReceived, s.bytesReceived],
      [100, 120, 640, 50, 1111],
    );
    assert.deepEqual(s.screen, { framesDecoded: 30, frameWidth: 1920, frameHeight: 1080, audioPacketsReceived: 70 });
  });
});
