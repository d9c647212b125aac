import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedCodecs, addSimulcastSsrcs, filterPublishOffer, fixSimulcastAnswer, mediaSections } from './sdp.js';

// The shape of Chromium 156's publish offer (trimmed to what the filter looks at).
const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 98 99 118 119 120',
  'a=mid:1',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=sendonly',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 transport-cc',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:103 rtx/90000',
  'a=fmtp:103 apt=102',
  'a=rtpmap:98 VP9/90000',
  'a=rtpmap:99 rtx/90000',
  'a=fmtp:99 apt=98',
  'a=rtpmap:118 red/90000',
  'a=rtpmap:119 rtx/90000',
  'a=fmtp:119 apt=118',
  'a=rtpmap:120 ulpfec/90000',
  'a=ssrc-group:FID 1 2',
  '',
].join('\r\n');

describe('SFU SDP', () => {
  test('keeps Opus, VP8 and VP8’s RTX; drops RED, FEC, other codecs and transport-cc', () => {
    const out = filterPublishOffer(OFFER);
    assert.match(out, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r$/m);
    assert.match(out, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 96 97\r$/m);
    assert.doesNotMatch(out, /red|ulpfec|VP9|G722|telephone-event|H264/);
    assert.doesNotMatch(out, /transport-cc|transport-wide-cc/);
    assert.match(out, /a=rtcp-fb:96 goog-remb/);
    assert.match(out, /a=rtcp-fb:96 nack pli/);
    assert.match(out, /a=fmtp:111 minptime=10/);
    assert.match(out, /a=ssrc-group:FID 1 2/, 'other lines are kept');
    assert.ok(out.endsWith('\r\n'));
  });

  test('H.264 (constrained baseline, mode 1) is kept when asked for', () => {
    const out = filterPublishOffer(OFFER, ['VP8', 'H264']);
    assert.match(out, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 96 97 102 103\r$/m);
  });

  test('an offer with nothing the SFU can forward is refused with a reason', () => {
    const noOpus = OFFER.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 iLBC/8000');
    assert.throws(() => filterPublishOffer(noOpus), /audio section offers no codec/);
  });

  test('reads mids, kinds and the audio-level extension id', () => {
    assert.deepEqual(mediaSections(OFFER), [
      { mid: '0', kind: 'audio', audioLevelId: 1, ridId: null, rids: [] },
      { mid: '1', kind: 'video', audioLevelId: null, ridId: null, rids: [] },
    ]);
  });

  test('reads the simulcast layers and the rid extension id of a video section', () => {
    const sdp = ['v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', 'a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id', 'a=rid:q send', 'a=rid:h send', 'a=rid:f send', 'a=simulcast:send q;~h;f,x', ''].join('\r\n');
    const [video] = mediaSections(sdp);
    assert.equal(video!.ridId, 10, 'the rid, not the repaired rid');
    assert.deepEqual(video!.rids, ['q', 'h', 'f']);
  });

  test('simulcast SSRCs are added to the video section, for offered rids only', () => {
    const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=rid:q send', 'a=rid:f send', 'a=simulcast:send q;f', ''].join('\r\n');
    const out = addSimulcastSsrcs(sdp, [{ rid: 'q', ssrc: 11 }, { rid: 'f', ssrc: 22 }, { rid: 'zz', ssrc: 33 }]);
    assert.match(out, /a=mid:1\r\na=rid:q send\r\na=rid:f send\r\na=simulcast:send q;f\r\na=ssrc:11 cname:lectern-q\r\na=ssrc:22 cname:lectern-f\r\n$/);
    assert.ok(!out.includes('33'));
    assert.equal(addSimulcastSsrcs(out, [{ rid: 'q', ssrc: 11 }]), out, 'not twice');
  });

  test('an answer tells which video codecs each slot accepted; a rejected section accepts none', () => {
    const answer = [
      'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:a0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 102', 'a=mid:v0', 'a=rtpmap:96 VP8/90000', 'a=rtpmap:102 H264/90000',
      'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:v1', 'a=rtpmap:96 VP8/90000',
      'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:v2',
      '',
    ].join('\r\n');
    const accepted = acceptedCodecs(answer);
    assert.deepEqual([...accepted.get('v0')!], [96, 102]);
    assert.deepEqual([...accepted.get('v1')!], [96]);
    assert.equal(accepted.get('v2'), undefined);
  });

  test('simulcast send lines in an answer become recv', () => {
    const answer = 'a=rid:q send\r\na=rid:h send\r\na=simulcast:send q;h\r\n';
    assert.equal(fixSimulcastAnswer(answer), 'a=rid:q recv\r\na=rid:h recv\r\na=simulcast:recv q;h\r\n');
  });
});
