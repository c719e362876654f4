import type { Logger } from "../protocol/logger.js";
import { silentLogger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import { MemoryPubSub } from "../pubsub/memory.js";
import { RedisPubSub } from "../pubsub/redis.js";
import { redactUrl } from "../redis/connection.js";
import type { SessionStore } from "../store/adapter.js";
import { RedisSessionStore } from "../store/redis.js";

/** Where `createAdapters` finds Redis, and how it names keys and channels there. */
export interface AdaptersOptions {
  /** Redis URL; default `REDIS_URL`. With neither, the in-process memory adapters are used. */
  redisUrl?: string;
  /** Action Cable's `channel_prefix` for pub/sub channels (see `RedisPubSub`). Default none. */
  channelPrefix?: string;
  /** Prefix of the session keys (see `RedisSessionStore`). Default `p2p:`. */
  keyPrefix?: string;
  logger?: Logger;
}

/** The pub/sub and session store `createAdapters` picked, and how to close them. */
export interface Adapters {
  readonly kind: "memory" | "redis";
  readonly pubsub: PubSub;
  /**
   * The shared session store with Redis. With the memory adapters it is `undefined`: the session
   * channel then keeps its own in-process store, which is all one process needs.
   */
  readonly store: SessionStore | undefined;
  /** Closes what this function opened (Redis connections). */
  close(): Promise<void>;
}

/**
 * Picks the adapters from configuration, as Action Cable's `cable.yml` does: Redis pub/sub and
 * session store when a URL is given or `REDIS_URL` is set, so N processes behind any load
 * balancer act as one; the memory pub/sub otherwise.
 *
 * @example
 * const { pubsub, store, close } = createAdapters({ redisUrl: process.env.REDIS_URL, logger });
 * const cable = new CableServer({ channels, pubsub, secret });
 */
export function createAdapters(options: AdaptersOptions = {}): Adapters {
  const logger = options.logger ?? silentLogger;
  const url = options.redisUrl ?? process.env.REDIS_URL;
  if (!url) {
    const pubsub = new MemoryPubSub({ logger });
    return { kind: "memory", pubsub, store: undefined, close: () => pubsub.close() };
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw new TypeError(`Redis URL must start with redis:// or rediss://, got "${redactUrl(url)}"`);
  }
  logger.info("using redis adapters", { url: redactUrl(url) });
  const pubsub = new RedisPubSub({ url, channelPrefix: options.channelPrefix, logger });
  const store = new RedisSessionStore({ url, keyPrefix: options.keyPrefix, logger });
  return {
    kind: "redis",
    pubsub,
    store,
    close: async () => {
      await Promise.all([pubsub.close(), store.close()]);
    },
  };
}
