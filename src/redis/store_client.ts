import type { Redis } from "ioredis";
import { Reasons } from "../protocol/errors.js";
import { type Logger, silentLogger } from "../protocol/logger.js";
import { closeRedis, openRedis, redisConnectionDefaults, unavailable, whenReady } from "./connection.js";

/** The connection part of every Redis store's options. */
export interface RedisStoreClientOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Default `REDIS_URL`. */
  url?: string;
  /** Bring your own client (not closed by `close()`). */
  redis?: Redis;
  /** How long an operation waits for a reconnecting Redis before rejecting with `store_unavailable`. */
  readyTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The Redis client of one store (sessions, rooms, cable sessions): opened from `url` or borrowed,
 * every command failing fast as `store_unavailable`, closed only when this store opened it.
 */
export class RedisStoreClient<Commands = unknown> {
  readonly redis: Redis & Commands;
  readonly #owned: boolean;
  readonly #readyTimeoutMs: number;

  /** `store` names the class in the missing-URL error; `role` names the client in logs. */
  constructor(options: RedisStoreClientOptions, store: string, role: string) {
    this.#readyTimeoutMs = options.readyTimeoutMs ?? redisConnectionDefaults.readyTimeoutMs;
    const url = options.url ?? process.env.REDIS_URL;
    if (!options.redis && !url) throw new TypeError(`${store} needs a \`url\` (or REDIS_URL), or \`redis\``);
    this.redis = (options.redis ?? openRedis(url!, role, options.logger ?? silentLogger)) as Redis & Commands;
    this.#owned = !options.redis;
  }

  /** Runs `command` once Redis is ready; any failure rejects as `P2pError` `store_unavailable`. */
  async run<T>(what: string, command: () => Promise<T>): Promise<T> {
    await whenReady(this.redis, this.#readyTimeoutMs, Reasons.storeUnavailable);
    try {
      return await command();
    } catch (error) {
      throw unavailable(Reasons.storeUnavailable, what, error);
    }
  }

  /** Closes the client if this store opened it. */
  async close(): Promise<void> {
    if (this.#owned) await closeRedis(this.redis);
  }
}
