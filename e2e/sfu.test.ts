import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, joinByLink, remoteMedia, remoteTileNames, startTestServer, useServerAndBrowser, waitFor } from '@lectern/testing';

// Every session goes through the server's SFU.
const env = useServerAndBrowser({ before, after }, () => startTestServer({ topology: 'sfu', sfuPort: 0, maxParticipants: 12 }));

const NAMES = ['Ada', 'Bo', 'Cy', 'Dee', 'Eve', 'Fay'];

test('SFU forced: six browsers, each decodes every other one’s video and receives audio', async () => {
  const pages = await Promise.all(NAMES.map(() => env.browser.newPage({ viewport: { width: 800, height: 600 } })));
  const code = await createSession(pages[0]!, env.server.url, NAMES[0]!);
  for (let i = 1; i < pages.length; i++) await joinByLink(pages[i]!, env.server.url, code, NAMES[i]!);
  for (const [i, page] of pages.entries()) {
    const others = NAMES.filter((_, j) => j !== i);
    await waitFor(async () => (await remoteTileNames(page)).join() === [...others].sort().join(), { timeoutMs: 20_000, what: `${NAMES[i]} sees everyone` });
  }
  for (const [i, page] of pages.entries()) {
    const others = NAMES.filter((_, j) => j !== i);
    await waitFor(
      async () => {
        const media = await remoteMedia(page);
        return others.every((n) => media.some((m) => m.name === n && m.framesDecoded > 0));
      },
      { timeoutMs: 60_000, what: `${NAMES[i]} decodes video from all five others` },
    );
    const media = await remoteMedia(page);
    // Audio: the SFU forwards the three loudest; all fake microphones beep alike.
    assert.ok(media.filter((m) => m.audioPacketsReceived > 0).length >= 3, `${NAMES[i]} receives audio`);
    assert.ok(media.every((m) => m.localCandidateType !== null), 'connected through ICE');
  }
  // And it keeps flowing: the last one's view of all five rises, video and audio.
  const before = await remoteMedia(pages[5]!);
  await waitFor(
    async () => {
      const now = await remoteMedia(pages[5]!);
      const videoRising = before.every((b) => (now.find((m) => m.name === b.name)?.framesDecoded ?? 0) > b.framesDecoded);
      const audio = (list: typeof now) => list.reduce((sum, m) => sum + m.audioPacketsReceived, 0);
      return videoRising && audio(now) > audio(before);
    },
    { timeoutMs: 20_000, what: 'video from all five and audio to keep rising' },
  );
  await Promise.all(pages.map((p) => p.context().close()));
});
