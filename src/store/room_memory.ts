import { checkId, leaseMs as checkLeaseMs } from "./arguments.js";
import type { RoomJoinOptions, RoomJoinResult, RoomLeaveOptions, RoomStore } from "./room_adapter.js";
import { checkRoomMember, roomFull, roomJoinArguments, sortedMembers } from "./room_arguments.js";

/** Seams of `MemoryRoomStore`: the clock leases are measured with. */
export interface MemoryRoomStoreOptions {
  /** Milliseconds since the epoch; inject a fake clock to test leases without waiting. Default `Date.now`. */
  now?: () => number;
}

interface Membership {
  joinId: string;
  /** When the lease ends (ms since the epoch). */
  leaseUntil: number;
}

/** A room: its members by client id. */
type Room = Map<string, Membership>;

// Lapsed members are dropped when their room is touched; a sweep at most this often frees the
// rooms nobody touches any more.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Room members in this process's memory: the default for one server process. Every method does
 * its whole read-and-write without awaiting, so the cap holds by construction: any number of
 * concurrent joins admit at most `maxMembers`. Memberships are leases on the injected clock.
 *
 * @example
 * const store = new MemoryRoomStore();
 * await store.join("standup", "ann", { maxMembers: 8, leaseMs: 4000 }); // room_full when 8 are in
 * await store.refresh("standup", "ann", 4000); // every leaseMs / 4
 */
export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, Room>();
  readonly #now: () => number;
  #lastSweep: number;

  constructor(options: MemoryRoomStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#lastSweep = this.#now();
  }

  /** See `RoomStore.join`. */
  async join(roomId: string, clientId: string, options: RoomJoinOptions = {}): Promise<RoomJoinResult> {
    const { maxMembers, leaseMs, joinId } = roomJoinArguments(roomId, clientId, options);
    this.#sweep();
    const now = this.#now();
    const room = this.#live(roomId, now) ?? new Map<string, Membership>();
    if (!room.has(clientId) && maxMembers !== undefined && room.size >= maxMembers) {
      throw roomFull(roomId, maxMembers);
    }
    room.set(clientId, { joinId, leaseUntil: now + leaseMs });
    this.#rooms.set(roomId, room);
    return { members: sortedMembers(room.keys()) };
  }

  /** See `RoomStore.refresh`. */
  async refresh(roomId: string, clientId: string, leaseMs?: number): Promise<boolean> {
    checkRoomMember(roomId, clientId);
    const lease = checkLeaseMs(leaseMs);
    const now = this.#now();
    const membership = this.#live(roomId, now)?.get(clientId);
    if (!membership) return false;
    membership.leaseUntil = now + lease;
    return true;
  }

  /** See `RoomStore.leave`. */
  async leave(roomId: string, clientId: string, options: RoomLeaveOptions = {}): Promise<boolean> {
    checkRoomMember(roomId, clientId);
    if (options.joinId !== undefined) checkId("joinId", options.joinId);
    const room = this.#live(roomId, this.#now());
    const membership = room?.get(clientId);
    if (!room || !membership) return false;
    if (options.joinId !== undefined && membership.joinId !== options.joinId) return false;
    room.delete(clientId);
    if (room.size === 0) this.#rooms.delete(roomId);
    return true;
  }

  /** See `RoomStore.members`. */
  async members(roomId: string): Promise<string[]> {
    return sortedMembers(this.#live(roomId, this.#now())?.keys() ?? []);
  }

  /** Forgets every room. */
  async close(): Promise<void> {
    this.#rooms.clear();
  }

  /** The room without its lapsed members, or `undefined` when none is left (the room is dropped). */
  #live(roomId: string, now: number): Room | undefined {
    const room = this.#rooms.get(roomId);
    if (!room) return undefined;
    for (const [clientId, { leaseUntil }] of room) if (leaseUntil <= now) room.delete(clientId);
    if (room.size > 0) return room;
    this.#rooms.delete(roomId);
    return undefined;
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const roomId of [...this.#rooms.keys()]) this.#live(roomId, now);
  }
}
