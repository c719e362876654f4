import type { Redis } from "ioredis";
import { Reasons } from "../protocol/errors.js";
import { type Logger, silentLogger } from "../protocol/logger.js";
import {
  closeRedis,
  openRedis,
  redisConnectionDefaults,
  unavailable,
  whenReady,
} from "../redis/connection.js";

/** Where `RedisCableSessionStore` keeps sessions: the Redis URL (or client) and the key prefix. */
export interface RedisCableSessionStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Default `REDIS_URL`. */
  url?: string;
  /** Prefix of every key: a session is the string `<keyPrefix>cable-session:<sid>`. Default `p2p:`. */
  keyPrefix?: string;
  /** Bring your own client (not closed by `close()`). */
  redis?: Redis;
  /** How long an operation waits for a reconnecting Redis before rejecting with `store_unavailable`. */
  readyTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The sessions of extended-protocol clients (`actioncable-v1-ext-json`) waiting to be restored,
 * in Redis, so that a client restores on whichever server process it reaches: the cable's
 * `CableSessionStore` (`CableServerOptions.sessionStore`). A record is a string key with a PX
 * expiry (`SET … PX`), taken at most once (`GETDEL`, Redis 6.2 or later).
 *
 * @example
 * const cable = new CableServer({
 *   channels, secret,
 *   pubsub: new RedisPubSub({ url }),
 *   sessionStore: new RedisCableSessionStore({ url }),
 * });
 */
export class RedisCableSessionStore {
  readonly keyPrefix: string;
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #readyTimeoutMs: number;

  constructor(options: RedisCableSessionStoreOptions = {}) {
    const logger = options.logger ?? silentLogger;
    this.keyPrefix = options.keyPrefix ?? "p2p:";
    this.#readyTimeoutMs = options.readyTimeoutMs ?? redisConnectionDefaults.readyTimeoutMs;
    const url = options.url ?? process.env.REDIS_URL;
    if (!options.redis && !url)
      throw new TypeError("RedisCableSessionStore needs a `url` (or REDIS_URL), or `redis`");
    this.#redis = options.redis ?? openRedis(url!, "cable session store", logger);
    this.#owned = !options.redis;
  }

  /** Keeps `record` under `sid` for `ttlMs`. */
  async save(sid: string, record: string, ttlMs: number): Promise<void> {
    await this.#run("save", () =>
      this.#redis.set(this.#key(sid), record, "PX", Math.max(1, Math.round(ttlMs))),
    );
  }

  /** Returns and forgets the record of `sid`: `undefined` when it expired or was taken. */
  async take(sid: string): Promise<string | undefined> {
    return (await this.#run("take", () => this.#redis.getdel(this.#key(sid)))) ?? undefined;
  }

  /** Closes the connection it opened (not a client passed in). */
  async close(): Promise<void> {
    if (this.#owned) await closeRedis(this.#redis);
  }

  #key(sid: string): string {
    return `${this.keyPrefix}cable-session:${sid}`;
  }

  async #run<T>(what: string, command: () => Promise<T>): Promise<T> {
    await whenReady(this.#redis, this.#readyTimeoutMs, Reasons.storeUnavailable);
    try {
      return await command();
    } catch (error) {
      throw unavailable(Reasons.storeUnavailable, `cable session ${what}`, error);
    }
  }
}
