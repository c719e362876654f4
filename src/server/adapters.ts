import type { Logger } from "../protocol/logger.js";
import { silentLogger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import { MemoryPubSub } from "../pubsub/memory.js";
import { RedisPubSub } from "../pubsub/redis.js";
import { redactUrl } from "../redis/connection.js";
import type { SessionStore } from "../store/adapter.js";
import { RedisSessionStore } from "../store/redis.js";
import type { RoomStore } from "../store/room_adapter.js";
import { RedisRoomStore } from "../store/room_redis.js";

/** Where `createAdapters` finds Redis, and how it names keys and channels there. */
export interface AdaptersOptions {
  /** Redis URL; default `REDIS_URL`. With neither, the in-process memory adapters are used. */
  redisUrl?: string;
  /** Action Cable's `channel_prefix` for pub/sub channels (see `RedisPubSub`). Default none. */
  channelPrefix?: string;
  /** Prefix of the session and room keys (see `RedisSessionStore`, `RedisRoomStore`). Default `p2p:`. */
  keyPrefix?: string;
  logger?: Logger;
}

/** The pub/sub, session store and room store `createAdapters` picked, and how to close them. */
export interface Adapters {
  readonly kind: "memory" | "redis";
  readonly pubsub: PubSub;
  /**
   * The shared session store with Redis. With the memory adapters it is `undefined`: the session
   * channel then keeps its own in-process store, which is all one process needs.
   */
  readonly store: SessionStore | undefined;
  /**
   * The shared room member store with Redis, so that N processes share each room's `maxMembers`
   * (`createRoomChannel({ store: roomStore })`). `undefined` with the memory adapters: the room
   * channel then keeps its own in-process store.
   */
  readonly roomStore: RoomStore | undefined;
  /** Closes what this function opened (Redis connections). */
  close(): Promise<void>;
}

/**
 * Picks the adapters from configuration, as Action Cable's `cable.yml` does: Redis pub/sub,
 * session store and room store when a URL is given or `REDIS_URL` is set, so N processes behind
 * any load balancer act as one; the memory pub/sub otherwise.
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
    return { kind: "memory", pubsub, store: undefined, roomStore: undefined, close: () => pubsub.close() };
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw new TypeError(`Redis URL must start with redis:// or rediss://, got "${redactUrl(url)}"`);
  }
  logger.info("using redis adapters", { url: redactUrl(url) });
  const pubsub = new RedisPubSub({ url, channelPrefix: options.channelPrefix, logger });
  const store = new RedisSessionStore({ url, keyPrefix: options.keyPrefix, logger });
  const roomStore = new RedisRoomStore({ url, keyPrefix: options.keyPrefix, logger });
  return {
    kind: "redis",
    pubsub,
    store,
    roomStore,
    close: async () => {
      await Promise.all([pubsub.close(), store.close(), roomStore.close()]);
    },
  };
}
