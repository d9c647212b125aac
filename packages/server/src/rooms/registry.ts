import { randomInt } from 'node:crypto';
import { ErrorCodes, LecternError, generateSessionCode } from '@lectern/protocol';
import { Room, type RoomOwner, type Topology, type TopologyPolicy } from './room.js';
import { OPEN_ACCESS, type RoomAccess } from '../access/room-access.js';

/** Registry settings. */
export interface RoomRegistryOptions {
  maxParticipants: number;
  maxRooms: number;
  /** How long an empty room stays joinable. */
  emptyRoomTtlMs: number;
  /** How rooms choose mesh or SFU; mesh only by default. */
  topology?: TopologyPolicy;
  /** Source of randomness for codes; a CSPRNG by default. */
  randomInt?: (n: number) => number;
  /** Codes new sessions must not take (class rooms own theirs even while closed). */
  isReserved?: (code: string) => boolean;
}

/** How a room is opened: its size cap and who may enter. */
export interface RoomSettings {
  maxParticipants?: number;
  access?: RoomAccess;
}

/** Owns every live room; creates them with fresh codes and retires empty ones. */
export class RoomRegistry implements RoomOwner {
  readonly #rooms = new Map<string, Room>();
  readonly #expiry = new Map<Room, NodeJS.Timeout>();
  readonly #random: (n: number) => number;
  #closed = false;

  constructor(private readonly options: RoomRegistryOptions) {
    this.#random = options.randomInt ?? ((n) => randomInt(n));
  }

  get size(): number {
    return this.#rooms.size;
  }

  get(code: string): Room | undefined {
    return this.#rooms.get(code);
  }

  /** Makes a room with a new unguessable code. Throws SERVER_BUSY at the room cap. */
  create(settings: RoomSettings = {}): Room {
    return this.#open(this.freeCode(), settings);
  }

  /** A new unguessable code that no live room or class room has. */
  freeCode(): string {
    for (let attempt = 0; attempt < 16; attempt++) {
      const code = generateSessionCode(this.#random);
      if (!this.#rooms.has(code) && !this.options.isReserved?.(code)) return code;
    }
    throw new LecternError(ErrorCodes.INTERNAL, 'could not find a free session code');
  }

  /** The live room under `code`, or a new one with `settings` (a class room's first join). */
  openWith(code: string, settings: RoomSettings): Room {
    return this.#rooms.get(code) ?? this.#open(code, settings);
  }

  /**
   * Re-opens a room under a known code. Only for members holding a server-signed resume
   * token for that code, after a server restart lost the room.
   */
  restore(code: string): Room {
    return this.#rooms.get(code) ?? this.#open(code);
  }

  #open(code: string, settings: RoomSettings = {}): Room {
    if (this.#closed) throw new LecternError(ErrorCodes.SERVER_BUSY, 'the server is shutting down');
    if (this.#rooms.size >= this.options.maxRooms) {
      throw new LecternError(ErrorCodes.SERVER_BUSY, 'the server has too many sessions; try again later');
    }
    const max = settings.maxParticipants ?? this.options.maxParticipants;
    const room = new Room(code, max, this, this.options.topology, settings.access ?? OPEN_ACCESS);
    this.#rooms.set(code, room);
    this.roomEmptied(room); // a new room expires unless someone joins
    return room;
  }

  roomEmptied(room: Room): void {
    this.#clearExpiry(room);
    const timer = setTimeout(() => this.#retire(room), this.options.emptyRoomTtlMs);
    timer.unref();
    this.#expiry.set(room, timer);
  }

  roomOccupied(room: Room): void {
    this.#clearExpiry(room);
  }

  /** Set by signaling: called when a room changes topology. */
  onTopologyChanged: ((room: Room, topology: Topology, newcomerId?: string) => void) | null = null;

  topologyChanged(room: Room, topology: Topology, newcomerId?: string): void {
    this.onTopologyChanged?.(room, topology, newcomerId);
  }

  #retire(room: Room): void {
    this.#clearExpiry(room);
    if (room.size > 0) return;
    room.close();
    if (this.#rooms.get(room.code) === room) this.#rooms.delete(room.code);
  }

  #clearExpiry(room: Room): void {
    const t = this.#expiry.get(room);
    if (t) clearTimeout(t);
    this.#expiry.delete(room);
  }

  /** Closes every room and timer. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const room of this.#rooms.values()) {
      this.#clearExpiry(room);
      room.close();
    }
    this.#rooms.clear();
  }
}
