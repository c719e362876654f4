import { randomUUID } from "node:crypto";
import type { CableHandle } from "../cable/channel_context.js";
import type { RoomIdentity } from "../identity/room_token.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";
import { storeDefaults } from "../store/adapter.js";
import type { RoomStore } from "../store/room_adapter.js";
import { MemoryRoomStore } from "../store/room_memory.js";

/** How `createRoomChannel` caps rooms: where members are kept, how many, and how long a lease lasts. */
export interface RoomChannelOptions {
  /**
   * Where members live: `RedisRoomStore` (`createAdapters().roomStore`) so that N processes share
   * the cap. Default a `MemoryRoomStore` of each `CableServer`'s own, which is all one process needs.
   */
  store?: RoomStore;
  /** Most members of one room; one more subscribe is rejected with `room_full`. Default 8. */
  maxMembers?: number;
  /**
   * How long a membership lasts without being refreshed; every subscription refreshes its own every
   * `leaseMs / 4`, so the members of a server that died stop counting after about this long.
   * Default `storeDefaults.leaseMs` (4000).
   */
  leaseMs?: number;
}

/** Defaults of `createRoomChannel`, and what the exported `RoomChannel` uses. */
export const roomChannelDefaults = {
  /** A mesh sends every stream to every peer: past a handful, browsers and uplinks give out. */
  maxMembers: 8,
  leaseMs: storeDefaults.leaseMs,
} as const;

/** `RoomChannelOptions`, checked, with defaults applied. */
export interface RoomChannelSettings {
  /** `undefined`: each cable's own `MemoryRoomStore` (`roomStoreOf`). */
  readonly store: RoomStore | undefined;
  /** Most live members of a room; one more is refused with `room_full`. */
  readonly maxMembers: number;
  /** Milliseconds a member's place lasts without a refresh. */
  readonly leaseMs: number;
}

/** Checks `createRoomChannel`'s options; throws `TypeError` naming the culprit. */
export function roomChannelSettings(options: RoomChannelOptions): RoomChannelSettings {
  const {
    store,
    maxMembers = roomChannelDefaults.maxMembers,
    leaseMs = roomChannelDefaults.leaseMs,
  } = options;
  if (!(Number.isInteger(maxMembers) && maxMembers > 0)) {
    throw new TypeError(`maxMembers must be a positive integer, got ${maxMembers}`);
  }
  if (!(leaseMs >= 4 && Number.isFinite(leaseMs))) {
    throw new TypeError(`leaseMs must be a number of milliseconds of at least 4, got ${leaseMs}`);
  }
  return { store, maxMembers, leaseMs };
}

// One memory store per cable: two CableServers in one process are two worlds, as their memory
// pub/subs are.
const cableStores = new WeakMap<CableHandle, RoomStore>();

/** The store `settings` name, or the cable's own `MemoryRoomStore`. */
export function roomStoreOf(settings: RoomChannelSettings, cable: CableHandle): RoomStore {
  if (settings.store) return settings.store;
  let store = cableStores.get(cable);
  if (!store) {
    store = new MemoryRoomStore();
    cableStores.set(cable, store);
  }
  return store;
}

/** What a `RoomMembership` needs: the store, the room's cap and lease, and where to log. */
export interface RoomMembershipOptions {
  store: RoomStore;
  identity: RoomIdentity;
  maxMembers: number;
  leaseMs: number;
  logger: Logger;
  /** The connection id, for logs. */
  connection: string;
}

/**
 * One `RoomChannel` subscription's place in its room (docs/protocol.md, "Room size"): `join` takes
 * it (or throws `room_full` / `store_unavailable`), a refresh every `leaseMs / 4` keeps it, `leave`
 * gives it back. A refresh's failures (the store away) are logged, never thrown: the next tick tries
 * again. A refresh that finds the lease lapsed (a store outage longer than the lease) logs it and
 * joins again, so a member still subscribed counts again once the store is back, room permitting.
 */
export class RoomMembership {
  readonly #options: RoomMembershipOptions;
  /** Names this subscription's membership: an older subscription of the same client never removes it. */
  readonly #joinId = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #joined = false;
  #ended = false;
  #refreshing: Promise<void> | undefined;

  constructor(options: RoomMembershipOptions) {
    this.#options = options;
  }

  /**
   * Takes a place in the room and starts refreshing it. Throws `P2pError`: `room_full` with the
   * message for the client ("Room is full: 8 members at most"), or the store's `store_unavailable`.
   */
  async join(): Promise<void> {
    const { store, identity, maxMembers, leaseMs } = this.#options;
    try {
      await store.join(identity.roomId, identity.clientId, { maxMembers, leaseMs, joinId: this.#joinId });
    } catch (error) {
      if (!(error instanceof P2pError && error.reason === Reasons.roomFull)) throw error;
      // What the newcomer's page shows: the cap, in words for people (the room is its own).
      const members = maxMembers === 1 ? "member" : "members";
      throw new P2pError(Reasons.roomFull, `Room is full: ${maxMembers} ${members} at most`, {
        cause: error,
      });
    }
    this.#joined = true;
    if (this.#ended) {
      // The subscription closed while the join was in flight: give the place back at once.
      await this.#remove();
      return;
    }
    this.#timer = setInterval(() => {
      this.#refreshing ??= this.#refresh().finally(() => {
        this.#refreshing = undefined;
      });
    }, leaseMs / 4);
    this.#timer.unref();
  }

  /** Stops refreshing and frees the place (if this subscription still holds it). Idempotent; never throws. */
  async leave(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    await this.#refreshing;
    if (this.#joined) await this.#remove();
  }

  async #refresh(): Promise<void> {
    const { store, identity, maxMembers, leaseMs, logger, connection } = this.#options;
    const { roomId, clientId } = identity;
    try {
      if (await store.refresh(roomId, clientId, leaseMs)) return;
      if (this.#ended) return;
      logger.info("room lease lapsed", { connection, room: roomId });
      await store.join(roomId, clientId, { maxMembers, leaseMs, joinId: this.#joinId });
      logger.info("room membership restored", { connection, room: roomId });
    } catch (error) {
      const reason = error instanceof P2pError ? error.reason : undefined;
      const message = reason === Reasons.roomFull ? "room full after a lapsed lease" : "room refresh failed";
      logger.warn(message, { connection, room: roomId, error: String(error) });
    }
  }

  async #remove(): Promise<void> {
    const { store, identity, logger, connection } = this.#options;
    try {
      await store.leave(identity.roomId, identity.clientId, { joinId: this.#joinId });
    } catch (error) {
      // The lease lapses by itself within leaseMs: the place is freed late, not lost.
      logger.warn("room leave failed", { connection, room: identity.roomId, error: String(error) });
    }
  }
}
