import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msidStreamId } from './sdp.js';

const SDP = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2 3',
  'a=msid-semantic: WMS 5b3c0a6e-2f4d',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=sendrecv',
  'a=msid:- 7a1f',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=sendrecv',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:2',
  'a=sendonly',
  'a=msid:5b3c0a6e-2f4d 91c2',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:3',
  'a=sendonly',
  'a=msid:5b3c0a6e-2f4d 44d0',
  '',
].join('\r\n');

test('msidStreamId finds the stream id of one m-section by mid', () => {
  assert.equal(msidStreamId(SDP, '2'), '5b3c0a6e-2f4d');
  assert.equal(msidStreamId(SDP, '3'), '5b3c0a6e-2f4d');
});

test('msidStreamId: no stream ("-"), no msid line, unknown mid, or a mid that is only a prefix', () => {
  assert.equal(msidStreamId(SDP, '0'), null);
  assert.equal(msidStreamId(SDP, '1'), null);
  assert.equal(msidStreamId(SDP, '9'), null);
  assert.equal(msidStreamId(SDP.replace('a=mid:2', 'a=mid:21'), '2'), null);
  assert.equal(msidStreamId('', '0'), null);
});

test('msidStreamId accepts bare \\n line ends', () => {
  assert.equal(msidStreamId(SDP.replace(/\r\n/g, '\n'), '2'), '5b3c0a6e-2f4d');
});
