import type { Redis } from "ioredis";
import type { Logger } from "../protocol/logger.js";
import { RedisStoreClient } from "../redis/store_client.js";
import { checkId, leaseMs as checkLeaseMs } from "./arguments.js";
import type { RoomJoinOptions, RoomJoinResult, RoomLeaveOptions, RoomStore } from "./room_adapter.js";
import { checkRoomMember, roomFull, roomJoinArguments, sortedMembers } from "./room_arguments.js";
import {
  ROOM_JOIN_SCRIPT,
  ROOM_LEAVE_SCRIPT,
  ROOM_MEMBERS_SCRIPT,
  ROOM_REFRESH_SCRIPT,
} from "./room_redis_scripts.js";

/** Where `RedisRoomStore` keeps rooms: the Redis URL (or client) and the key prefix. */
export interface RedisRoomStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Default `REDIS_URL`. */
  url?: string;
  /**
   * Prefix of every key: a room is the sorted set `<keyPrefix>room:<roomId>` and the hash
   * `<keyPrefix>room-joins:<roomId>`. Default `p2p:`.
   */
  keyPrefix?: string;
  /** Bring your own client (not closed by `close()`). */
  redis?: Redis;
  /** How long an operation waits for a reconnecting Redis before rejecting with `store_unavailable`. */
  readyTimeoutMs?: number;
  logger?: Logger;
}

interface RoomCommands {
  p2pRoomJoin(
    key: string,
    joins: string,
    client: string,
    max: number,
    lease: number,
    joinId: string,
  ): Promise<Array<number | string>>;
  p2pRoomRefresh(key: string, joins: string, client: string, lease: number): Promise<number>;
  p2pRoomLeave(key: string, joins: string, client: string, joinId: string): Promise<number>;
  p2pRoomMembers(key: string): Promise<string[]>;
}

/**
 * Room members in Redis for N server processes. Every operation is one Lua script, so dropping
 * lapsed members, counting and adding are atomic across processes (concurrent joins never exceed
 * `maxMembers`), and leases are measured on Redis's clock (`TIME`), the same for every process. A
 * room is a sorted set scored by lease end plus a hash of joinIds (see `room_redis_scripts.ts`),
 * both expiring with the longest lease. While Redis is away, every operation rejects with
 * `P2pError` reason `store_unavailable` within `readyTimeoutMs`.
 *
 * @example
 * const rooms = new RedisRoomStore({ url: process.env.REDIS_URL });
 * const cable = new CableServer({ channels: [createRoomChannel({ store: rooms, maxMembers: 8 })], … });
 */
export class RedisRoomStore implements RoomStore {
  readonly keyPrefix: string;
  readonly #client: RedisStoreClient<RoomCommands>;

  constructor(options: RedisRoomStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? "p2p:";
    this.#client = new RedisStoreClient<RoomCommands>(options, "RedisRoomStore", "room store");
    const redis = this.#client.redis;
    redis.defineCommand("p2pRoomJoin", { numberOfKeys: 2, lua: ROOM_JOIN_SCRIPT });
    redis.defineCommand("p2pRoomRefresh", { numberOfKeys: 2, lua: ROOM_REFRESH_SCRIPT });
    redis.defineCommand("p2pRoomLeave", { numberOfKeys: 2, lua: ROOM_LEAVE_SCRIPT });
    redis.defineCommand("p2pRoomMembers", { numberOfKeys: 1, lua: ROOM_MEMBERS_SCRIPT });
  }

  /** See `RoomStore.join`: one Lua script, so concurrent joins never exceed `maxMembers`. */
  async join(roomId: string, clientId: string, options: RoomJoinOptions = {}): Promise<RoomJoinResult> {
    const { maxMembers, leaseMs, joinId } = roomJoinArguments(roomId, clientId, options);
    const [key, joins] = this.#keys(roomId);
    const [admitted, ...members] = await this.#client.run("room join", () =>
      this.#client.redis.p2pRoomJoin(key, joins, clientId, maxMembers ?? 0, leaseMs, joinId),
    );
    if (admitted !== 1) throw roomFull(roomId, maxMembers);
    return { members: sortedMembers(members as string[]) };
  }

  /** See `RoomStore.refresh`: one Lua script on Redis's clock. */
  async refresh(roomId: string, clientId: string, leaseMs?: number): Promise<boolean> {
    checkRoomMember(roomId, clientId);
    const lease = checkLeaseMs(leaseMs);
    const [key, joins] = this.#keys(roomId);
    const refreshed = await this.#client.run("room refresh", () =>
      this.#client.redis.p2pRoomRefresh(key, joins, clientId, lease),
    );
    return refreshed === 1;
  }

  /** See `RoomStore.leave`. */
  async leave(roomId: string, clientId: string, options: RoomLeaveOptions = {}): Promise<boolean> {
    checkRoomMember(roomId, clientId);
    if (options.joinId !== undefined) checkId("joinId", options.joinId);
    const [key, joins] = this.#keys(roomId);
    const joinId = options.joinId ?? "";
    const left = await this.#client.run("room leave", () =>
      this.#client.redis.p2pRoomLeave(key, joins, clientId, joinId),
    );
    return left === 1;
  }

  /** See `RoomStore.members`. */
  async members(roomId: string): Promise<string[]> {
    checkId("roomId", roomId);
    const [key] = this.#keys(roomId);
    return sortedMembers(
      await this.#client.run("room members", () => this.#client.redis.p2pRoomMembers(key)),
    );
  }

  /** Closes the Redis connection (not a client passed in). */
  async close(): Promise<void> {
    await this.#client.close();
  }

  /** The room's sorted set and joins hash. */
  #keys(roomId: string): [string, string] {
    return [`${this.keyPrefix}room:${roomId}`, `${this.keyPrefix}room-joins:${roomId}`];
  }
}
