import type { Redis, RedisOptions } from "ioredis";
import { Reasons } from "../protocol/errors.js";
import { type Logger, silentLogger } from "../protocol/logger.js";
import {
  closeRedis,
  openRedis,
  redisConnectionDefaults,
  unavailable,
  whenReady,
} from "../redis/connection.js";
import {
  type HistoryCursor,
  type HistoryEntry,
  type HistoryOptions,
  historyDefaults,
  type PubSub,
  type PubSubHandler,
  type StreamPosition,
} from "./adapter.js";
import { decodePositioned, RedisHistory } from "./redis_history.js";

/**
 * Where `RedisPubSub` connects, the channel prefix it shares with Action Cable, and how much
 * history each stream keeps for the extended protocol (`historyLimit: 0` turns it off).
 */
export interface RedisPubSubOptions extends HistoryOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Default `REDIS_URL`. */
  url?: string;
  /**
   * Prepended to every stream as `<prefix>:<stream>`, exactly like Action Cable's `channel_prefix`,
   * so several apps can share one Redis and a Rails app with the same prefix hears the same
   * broadcasts. Default none: the Redis channel is the stream name itself.
   */
  channelPrefix?: string;
  /** Bring your own clients (not closed by `close()`); the subscriber one is put in subscriber mode. */
  publisher?: Redis;
  subscriber?: Redis;
  /** How long a command waits for a reconnecting Redis before rejecting with `pubsub_unavailable`. */
  readyTimeoutMs?: number;
  logger?: Logger;
}

interface StreamState {
  readonly handlers: Set<PubSubHandler>;
  /** Settles when Redis confirmed the SUBSCRIBE (or refused it). */
  readonly live: Promise<void>;
}

/**
 * Pub/sub over Redis for N server processes, wire-compatible with Action Cable's Redis adapter
 * (`PUBLISH <prefix>:<stream> <json>`). One publisher and one subscriber connection per process;
 * a stream is SUBSCRIBEd while it has at least one local handler. While Redis is away, `subscribe`
 * and `publish` reject with `pubsub_unavailable` within `readyTimeoutMs`; ioredis reconnects and every
 * stream with local handlers is subscribed again (`redis resubscribed` in the log).
 *
 * `publishWithHistory` (what `CableServer.broadcast` uses) keeps each stream's recent broadcasts in
 * a Redis Stream (redis_history.ts) and PUBLISHes them with their position, behind a NUL mark that
 * only this class reads: an Action Cable process subscribed to the same channels would not parse
 * those. Set `historyLimit: 0` to keep every PUBLISH in Action Cable's format.
 *
 * @example
 * const pubsub = new RedisPubSub({ url: "redis://127.0.0.1:6379", channelPrefix: "myapp" });
 * const cable = new CableServer({ channels, pubsub, secret });
 */
export class RedisPubSub implements PubSub {
  readonly channelPrefix: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #owned: Redis[] = [];
  readonly #streams = new Map<string, StreamState>();
  /** Per stream, the tail of its SUBSCRIBE/UNSUBSCRIBE commands: they reach Redis in decision order. */
  readonly #tails = new Map<string, Promise<void>>();
  /** Streams whose UNSUBSCRIBE failed on a live but hung connection: retried when it is ready again. */
  readonly #orphans = new Set<string>();
  readonly #readyTimeoutMs: number;
  readonly #logger: Logger;
  readonly #history: RedisHistory | undefined;

  constructor(options: RedisPubSubOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.channelPrefix = options.channelPrefix ?? "";
    this.#readyTimeoutMs = options.readyTimeoutMs ?? redisConnectionDefaults.readyTimeoutMs;
    const url = options.url ?? process.env.REDIS_URL;
    const open = (role: string, extra: RedisOptions = {}): Redis => {
      if (!url)
        throw new TypeError("RedisPubSub needs a `url` (or REDIS_URL), or both `publisher` and `subscriber`");
      const redis = openRedis(url, role, this.#logger, extra);
      this.#owned.push(redis);
      return redis;
    };
    this.#publisher = options.publisher ?? open("pubsub publisher");
    this.#subscriber = options.subscriber ?? open("pubsub subscriber", { autoResubscribe: false });
    this.#subscriber.on("message", (channel: string, payload: string) => this.#dispatch(channel, payload));
    this.#subscriber.on("ready", () => this.#resubscribe());
    const limit = options.historyLimit ?? historyDefaults.historyLimit;
    const ttlSeconds = options.historyTtlSeconds ?? historyDefaults.historyTtlSeconds;
    if (!(Number.isInteger(limit) && limit >= 0)) {
      throw new TypeError(`historyLimit must be a whole number, got ${limit}`);
    }
    if (!(ttlSeconds > 0 && Number.isFinite(ttlSeconds))) {
      throw new TypeError(`historyTtlSeconds must be a positive number of seconds, got ${ttlSeconds}`);
    }
    if (limit > 0) this.#history = new RedisHistory(this.#publisher, limit, Math.round(ttlSeconds * 1000));
    else {
      this.publishWithHistory = undefined;
      this.readHistory = undefined;
    }
  }

  /** See `PubSub.subscribe`: one Redis SUBSCRIBE per stream per process, however many handlers. */
  async subscribe(stream: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    // Wrap so that the same function subscribed twice still counts as two subscribers.
    const entry: PubSubHandler = (payload, position) => handler(payload, position);
    let state = this.#streams.get(stream);
    if (!state) {
      const handlers = new Set<PubSubHandler>();
      const live = this.#command(stream, "subscribe");
      const created: StreamState = { handlers, live };
      live.catch(() => {
        if (this.#streams.get(stream) === created) this.#streams.delete(stream);
      });
      state = created;
      this.#streams.set(stream, state);
    }
    state.handlers.add(entry);
    try {
      await state.live;
    } catch (error) {
      state.handlers.delete(entry);
      throw error;
    }
    const current = state;
    return async () => {
      if (!current.handlers.delete(entry)) return;
      if (current.handlers.size > 0 || this.#streams.get(stream) !== current) return;
      this.#streams.delete(stream);
      await this.#command(stream, "unsubscribe").catch((error) => {
        this.#orphans.add(stream);
        this.#logger.warn("redis unsubscribe deferred", { stream, error: String(error) });
      });
    };
  }

  /** See `PubSub.publish`: a Redis PUBLISH, in Action Cable's format; fails with `pubsub_unavailable` while Redis is away. */
  async publish(stream: string, payload: string): Promise<void> {
    await whenReady(this.#publisher, this.#readyTimeoutMs, Reasons.pubsubUnavailable);
    try {
      await this.#publisher.publish(this.#channel(stream), payload);
    } catch (error) {
      throw unavailable(Reasons.pubsubUnavailable, `PUBLISH to "${stream}"`, error);
    }
  }

  /**
   * See `PubSub.publishWithHistory`: appended to the stream's Redis Stream and PUBLISHed in one
   * script, so offsets are one sequence for every process; `pubsub_unavailable` while Redis is away.
   */
  async publishWithHistory?(stream: string, payload: string): Promise<StreamPosition> {
    await whenReady(this.#publisher, this.#readyTimeoutMs, Reasons.pubsubUnavailable);
    try {
      return await this.#history!.publish(this.#channel(stream), payload);
    } catch (error) {
      throw unavailable(Reasons.pubsubUnavailable, `history PUBLISH to "${stream}"`, error);
    }
  }

  /** See `PubSub.readHistory`. */
  async readHistory?(stream: string, cursor: HistoryCursor): Promise<HistoryEntry[] | undefined> {
    await whenReady(this.#publisher, this.#readyTimeoutMs, Reasons.pubsubUnavailable);
    try {
      return await this.#history!.read(this.#channel(stream), cursor);
    } catch (error) {
      throw unavailable(Reasons.pubsubUnavailable, `history read of "${stream}"`, error);
    }
  }

  /** Streams with at least one local handler (for metrics and tests). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Closes the publisher and subscriber connections (not a client passed in). */
  async close(): Promise<void> {
    this.#streams.clear();
    this.#orphans.clear();
    await Promise.all(this.#owned.map((redis) => closeRedis(redis)));
  }

  #channel(stream: string): string {
    return this.channelPrefix ? `${this.channelPrefix}:${stream}` : stream;
  }

  /** Queues SUBSCRIBE/UNSUBSCRIBE behind the stream's earlier ones; resolves when Redis answered. */
  #command(stream: string, name: "subscribe" | "unsubscribe"): Promise<void> {
    const run = async () => {
      await whenReady(this.#subscriber, this.#readyTimeoutMs, Reasons.pubsubUnavailable);
      try {
        await this.#subscriber[name](this.#channel(stream));
      } catch (error) {
        throw unavailable(Reasons.pubsubUnavailable, `${name.toUpperCase()} "${stream}"`, error);
      }
    };
    const previous = this.#tails.get(stream) ?? Promise.resolve();
    const next = previous.then(run, run);
    this.#tails.set(stream, next);
    const forget = () => {
      if (this.#tails.get(stream) === next) this.#tails.delete(stream);
    };
    next.then(forget, forget);
    return next;
  }

  #dispatch(channel: string, message: string): void {
    const prefix = this.channelPrefix ? `${this.channelPrefix}:` : "";
    if (prefix && !channel.startsWith(prefix)) return;
    const stream = channel.slice(prefix.length);
    const state = this.#streams.get(stream);
    if (!state) return;
    const { payload, position } = decodePositioned(message);
    for (const handler of state.handlers) {
      try {
        handler(payload, position);
      } catch (error) {
        this.#logger.error("pubsub handler failed", { stream, error: String(error) });
      }
    }
  }

  /**
   * After a (re)connect, SUBSCRIBEs every stream that has local handlers: the map is the truth, so
   * a stream left during the outage is not resubscribed. Logged once confirmed, which is the moment
   * cross-process broadcasts flow again.
   */
  #resubscribe(): void {
    const streams = [...this.#streams.keys()];
    if (streams.length > 0) {
      this.#subscriber.subscribe(...streams.map((stream) => this.#channel(stream))).then(
        () => this.#logger.info("redis resubscribed", { streams: streams.length }),
        (error) =>
          this.#logger.warn("redis resubscribe failed", { streams: streams.length, error: String(error) }),
      );
    }
    for (const stream of this.#orphans) {
      this.#orphans.delete(stream);
      if (this.#streams.has(stream)) continue;
      this.#command(stream, "unsubscribe").catch((error) => {
        this.#orphans.add(stream);
        this.#logger.warn("redis unsubscribe deferred", { stream, error: String(error) });
      });
    }
  }
}
