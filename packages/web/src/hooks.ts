import { useEffect, useReducer, useRef } from 'preact/hooks';
import type { Room, RoomEvents } from '@lectern/client';

/** Re-renders the component whenever any of `events` fires on `room`. */
export function useRoomEvents(room: Room, events: ReadonlyArray<keyof RoomEvents>): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const offs = events.map((e) => room.on(e, () => bump(undefined)));
    return () => offs.forEach((off) => off());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [room]);
}

/** A ref to a <video> whose srcObject follows `stream`. */
export function useVideoStream(stream: MediaStream | null) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (stream) void el.play().catch(() => {});
  });
  return ref;
}
