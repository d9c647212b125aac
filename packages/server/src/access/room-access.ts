/** What a class room adds to a session: its name, host key and lobby setting. */
export interface ClassRoomAccess {
  name: string;
  hostKeyHash: string;
  lobby: boolean;
}

/** Who may enter a room: its password (scrypt hash; null for none) and its class room, if it is one. */
export interface RoomAccess {
  passwordHash: string | null;
  classRoom: ClassRoomAccess | null;
}

/** A session anyone with the code may join. */
export const OPEN_ACCESS: RoomAccess = Object.freeze({ passwordHash: null, classRoom: null });
