/**
 * The stream id (`a=msid:<stream id> <track id>`) of the m-section with `a=mid:<mid>` in an
 * SDP, or null when that section has none (`a=msid:-` counts as none) or does not exist.
 */
export function msidStreamId(sdp: string, mid: string): string | null {
  for (const section of sdp.split(/\r?\n(?=m=)/).slice(1)) {
    const lines = section.split(/\r?\n/);
    if (!lines.some((l) => l === `a=mid:${mid}`)) continue;
    const msid = lines.find((l) => l.startsWith('a=msid:'));
    const id = msid?.slice('a=msid:'.length).split(' ')[0];
    return id && id !== '-' ? id : null;
  }
  return null;
}
