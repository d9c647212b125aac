import type { ModerationNotice, Reaction } from '@lectern/client';

/** What each reaction is called, for screen readers. */
export const REACTION_NAMES: Record<Reaction, string> = {
  '👍': 'thumbs up',
  '👏': 'applause',
  '❤️': 'heart',
  '😂': 'laughing',
  '😮': 'surprised',
  '🎉': 'celebration',
};

/** A host's action in plain words: "Ana muted you", "You muted Ben", "Ana locked the session". */
export function describeNotice(n: ModerationNotice, selfId: string | null): string {
  const by = n.by.id === selfId ? 'You' : n.by.name;
  const them = n.toMe ? 'you' : (n.target?.name ?? 'someone');
  const their = n.toMe ? 'your' : `${n.target?.name ?? 'someone'}'s`;
  switch (n.action) {
    case 'mute':
      return `${by} muted ${them}`;
    case 'mute-all':
      return `${by} muted everyone`;
    case 'camera-off':
      return `${by} turned off ${their} camera`;
    case 'stop-screen':
      return `${by} stopped ${their} screen share`;
    case 'remove':
      return n.toMe ? `You were removed from the session by ${n.by.name}` : `${by} removed ${them} from the session`;
    case 'make-cohost':
      return `${by} made ${them} a co-host`;
    case 'revoke-cohost':
      return `${by} took away ${their} co-host role`;
    case 'make-host':
      return `${by} made ${them} the host`;
    case 'lock':
      return `${by} locked the session: nobody new can join`;
    case 'unlock':
      return `${by} unlocked the session`;
    case 'lobby-on':
      return `${by} turned the waiting room on`;
    case 'lobby-off':
      return `${by} turned the waiting room off`;
    case 'admit':
      return `${by} let ${them} in`;
    case 'deny':
      return `${by} did not let ${them} in`;
    case 'lower-hand':
      return `${by} lowered ${their} hand`;
    case 'spotlight':
      return `${by} spotlighted ${them}`;
    case 'clear-spotlight':
      return `${by} removed the spotlight`;
  }
}
