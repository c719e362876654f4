import type { Redis } from "ioredis";
import { P2pError, Reasons } from "../cable/errors.js";
import { type Logger, silentLogger } from "../cable/logger.js";
import {
  closeRedis,
  openRedis,
  redisConnectionDefaults,
  unavailable,
  whenReady,
} from "../pubsub/redis_connection.js";
import {
  type JoinOptions,
  type JoinResult,
  type LeaveResult,
  type SessionStore,
  storeDefaults,
} from "./adapter.js";
import { JOIN_SCRIPT, LEAVE_SCRIPT, parseSession, TOUCH_SCRIPT } from "./redis_scripts.js";

/** Where `RedisSessionStore` keeps sessions: the Redis URL (or client) and the key prefix. */
export interface RedisSessionStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Default `REDIS_URL`. */
  url?: string;
  /** Prefix of every key: a session is the hash `<keyPrefix>session:<sessionId>`. Default `p2p:`. */
  keyPrefix?: string;
  /** Bring your own client (not closed by `close()`). */
  redis?: Redis;
  /** How long an operation waits for a reconnecting Redis before rejecting with `store_unavailable`. */
  readyTimeoutMs?: number;
  logger?: Logger;
}

interface SessionCommands {
  p2pJoin(key: string, peerId: string, maxPeers: number, ttlMs: number): Promise<string | string[]>;
  p2pLeave(key: string, peerId: string): Promise<Array<number | string>>;
  p2pTouch(key: string, ttlMs: string): Promise<number>;
}

/**
 * Session state in Redis for N server processes. Joins and leaves are Lua scripts, so host
 * election is atomic across processes; sessions expire through Redis TTLs (PEXPIRE on every write).
 * One hash per session; see `redis_scripts.ts` for its fields. While Redis is away, every
 * operation rejects with `P2pError` reason `store_unavailable` within `readyTimeoutMs`.
 *
 * @example
 * const store = new RedisSessionStore({ url: process.env.REDIS_URL });
 * const { isHost, peers } = await store.join("standup", "alice", { maxPeers: 8 });
 */
export class RedisSessionStore implements SessionStore {
  readonly keyPrefix: string;
  readonly #redis: Redis & SessionCommands;
  readonly #owned: boolean;
  readonly #readyTimeoutMs: number;

  constructor(options: RedisSessionStoreOptions = {}) {
    const logger = options.logger ?? silentLogger;
    this.keyPrefix = options.keyPrefix ?? "p2p:";
    this.#readyTimeoutMs = options.readyTimeoutMs ?? redisConnectionDefaults.readyTimeoutMs;
    const url = options.url ?? process.env.REDIS_URL;
    if (!options.redis && !url)
      throw new TypeError("RedisSessionStore needs a `url` (or REDIS_URL), or `redis`");
    const redis = options.redis ?? openRedis(url!, "session store", logger);
    this.#owned = !options.redis;
    redis.defineCommand("p2pJoin", { numberOfKeys: 1, lua: JOIN_SCRIPT });
    redis.defineCommand("p2pLeave", { numberOfKeys: 1, lua: LEAVE_SCRIPT });
    redis.defineCommand("p2pTouch", { numberOfKeys: 1, lua: TOUCH_SCRIPT });
    this.#redis = redis as Redis & SessionCommands;
  }

  /** See `SessionStore.join`: one Lua script, so concurrent joins elect exactly one host. */
  async join(sessionId: string, peerId: string, options: JoinOptions = {}): Promise<JoinResult> {
    checkId("sessionId", sessionId);
    checkId("peerId", peerId);
    const maxPeers = options.maxPeers ?? 0;
    if (options.maxPeers !== undefined && !(Number.isInteger(maxPeers) && maxPeers > 0)) {
      throw new TypeError(`maxPeers must be a positive integer, got ${options.maxPeers}`);
    }
    const ttl = ttlMs(options.ttlSeconds);
    const key = this.#key(sessionId);
    const reply = await this.#run("join", () => this.#redis.p2pJoin(key, peerId, maxPeers, ttl));
    if (reply === "full") {
      throw new P2pError(Reasons.sessionFull, `Session "${sessionId}" is full (maxPeers ${maxPeers})`);
    }
    const { host, peers } = parseSession(reply as string[]);
    return { host: host!, isHost: host === peerId, peers };
  }

  async leave(sessionId: string, peerId: string): Promise<LeaveResult> {
    const reply = await this.#run("leave", () => this.#redis.p2pLeave(this.#key(sessionId), peerId));
    const [left, hostLeft, ...flat] = reply;
    return { left: left === 1, hostLeft: hostLeft === 1, peers: parseSession(flat as string[]).peers };
  }

  async peers(sessionId: string): Promise<string[]> {
    const hash = await this.#run("peers", () => this.#redis.hgetall(this.#key(sessionId)));
    return parseSession(Object.entries(hash).flat()).peers;
  }

  /** See `SessionStore.host`. */
  async host(sessionId: string): Promise<string | null> {
    return this.#run("host", () => this.#redis.hget(this.#key(sessionId), "host"));
  }

  async touch(sessionId: string, ttlSeconds?: number): Promise<void> {
    const ttl = ttlSeconds === undefined ? "" : String(ttlMs(ttlSeconds));
    const key = this.#key(sessionId);
    await this.#run("touch", () => this.#redis.p2pTouch(key, ttl));
  }

  /** Closes the Redis connection (not a client passed in). */
  async close(): Promise<void> {
    if (this.#owned) await closeRedis(this.#redis);
  }

  #key(sessionId: string): string {
    return `${this.keyPrefix}session:${sessionId}`;
  }

  async #run<T>(what: string, command: () => Promise<T>): Promise<T> {
    await whenReady(this.#redis, this.#readyTimeoutMs, Reasons.storeUnavailable);
    try {
      return await command();
    } catch (error) {
      throw unavailable(Reasons.storeUnavailable, what, error);
    }
  }
}

function ttlMs(ttlSeconds: number = storeDefaults.ttlSeconds): number {
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds))
    throw new TypeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

function checkId(name: string, value: string): void {
  if (typeof value !== "string" || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string`);
}
