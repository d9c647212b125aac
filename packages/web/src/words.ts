import { LecternError, type ErrorCode } from '@lectern/client';

/** Every error code in plain words for people. */
const WORDS: Record<ErrorCode, string> = {
  BAD_MESSAGE: 'Something went wrong talking to the server. Reload the page.',
  UNKNOWN_TYPE: 'The server and this page are different versions. Reload the page.',
  MESSAGE_TOO_LARGE: 'Something went wrong talking to the server. Reload the page.',
  VERSION_MISMATCH: 'The server was updated. Reload the page.',
  HANDSHAKE_REQUIRED: 'Something went wrong talking to the server. Reload the page.',
  ROOM_NOT_FOUND: 'There is no session with that code. Check the code or ask for a new link.',
  ROOM_FULL: 'This session is full. Ask the host to make room, or try again later.',
  NOT_JOINED: 'You are not in this session any more.',
  ALREADY_JOINED: 'You are already in a session in this tab.',
  PARTICIPANT_NOT_FOUND: 'That person has left the session.',
  NOT_ALLOWED: 'You are not allowed to do that.',
  ROOM_LOCKED: 'The host has locked this session. Ask them to unlock it, then try again.',
  REMOVED: 'You were removed from this session by a host and cannot rejoin it.',
  LOBBY_DENIED: 'The host did not let you in.',
  SERVER_BUSY: 'The server is busy. Try again in a minute.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  PASSWORD_REQUIRED: 'This session needs a password. Ask the host for it.',
  WRONG_PASSWORD: 'That password is not right. Check it and try again.',
  WRONG_HOST_KEY: 'This host link is not valid for this class room. Use the host link you got when you made the room.',
  TOKEN_NOT_ACCEPTED: 'This server does not accept sign-in links from a learning platform. Join with the session code instead.',
  TOKEN_INVALID: 'Your sign-in link is damaged. Open the class again from your learning platform.',
  TOKEN_ALG_NOT_ALLOWED: 'Your sign-in link was not made for this server. Open the class again from your learning platform.',
  TOKEN_BAD_SIGNATURE: 'Your sign-in link was not made for this server. Open the class again from your learning platform.',
  TOKEN_EXPIRED: 'Your sign-in link has expired. Open the class again from your learning platform.',
  TOKEN_NOT_YET_VALID: 'Your sign-in link is not valid yet. Check your computer\'s clock, or try again in a minute.',
  TOKEN_WRONG_ROOM: 'Your sign-in link is for another class. Open the class again from your learning platform.',
  TOKEN_WRONG_AUDIENCE: 'Your sign-in link is for another server. Open the class again from your learning platform.',
  CHAT_TOO_LONG: 'That message is too long. A message can be at most 4,000 characters.',
  INTERNAL: 'The server had a problem. Try again.',
  SIGNAL_TIMEOUT: 'The server did not answer in time. Check your connection and try again.',
  SERVER_UNREACHABLE: 'Cannot reach the server. Check your connection; Lectern keeps trying.',
  UNSUPPORTED_BROWSER: 'This browser cannot make video calls. Use a current Chrome, Edge, Firefox or Safari.',
  INSECURE_CONTEXT: 'The camera only works on a secure (https://) address. Open the https:// link the server printed.',
  MEDIA_DENIED: 'Camera or microphone access was blocked. Allow it in the address bar to be seen and heard.',
  MEDIA_NOT_FOUND: 'No camera or microphone was found.',
  INVALID_CODE: 'That is not a session code. It looks like abc-defg-hjk.',
  INVALID_STATE: 'Please wait a moment and try again.',
  SCREEN_SHARE_DENIED: 'Screen sharing did not start: the picker was closed, or this browser is not allowed to share the screen. Click Share screen to try again.',
  SCREEN_SHARE_UNSUPPORTED: 'This browser cannot share its screen. Phones and tablets usually cannot; use Chrome, Edge, Firefox or Safari on a computer.',
  SCREEN_SHARE_FAILED: 'Your screen could not be captured. Check that the system allows this browser to record the screen, then try again.',
};

/** A sentence for any error, coded or not. */
export function describeError(err: unknown): string {
  if (err instanceof LecternError) return WORDS[err.code] ?? err.message;
  return 'Something went wrong. Try again.';
}

/** Words for a device problem at join time: what failed and what still works. */
export function describeMediaProblems(problems: LecternError[], hasAudio: boolean, hasVideo: boolean): string | null {
  if (problems.length === 0) return null;
  const denied = problems.some((p) => p.code === 'MEDIA_DENIED');
  const what = denied ? 'was blocked' : 'could not be opened';
  if (!hasAudio && !hasVideo) {
    return `Camera and microphone ${what}. You can still join to watch and listen.${denied ? ' Allow access in the address bar to be seen and heard.' : ''}`;
  }
  if (!hasVideo) return `The camera ${what}. You will join with audio only.`;
  return `The microphone ${what}. Others will see you but not hear you.`;
}
