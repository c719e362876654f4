import type { Redis } from "ioredis";
import type { Logger } from "../protocol/logger.js";
import { RedisStoreClient } from "../redis/store_client.js";

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
  readonly #client: RedisStoreClient;

  constructor(options: RedisCableSessionStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? "p2p:";
    this.#client = new RedisStoreClient(options, "RedisCableSessionStore", "cable session store");
  }

  /** Keeps `record` under `sid` for `ttlMs`. */
  async save(sid: string, record: string, ttlMs: number): Promise<void> {
    await this.#client.run("cable session save", () =>
      this.#client.redis.set(this.#key(sid), record, "PX", Math.max(1, Math.round(ttlMs))),
    );
  }

  /** Returns and forgets the record of `sid`: `undefined` when it expired or was taken. */
  async take(sid: string): Promise<string | undefined> {
    return (
      (await this.#client.run("cable session take", () => this.#client.redis.getdel(this.#key(sid)))) ??
      undefined
    );
  }

  /** Closes the connection it opened (not a client passed in). */
  async close(): Promise<void> {
    await this.#client.close();
  }

  #key(sid: string): string {
    return `${this.keyPrefix}cable-session:${sid}`;
  }
}
