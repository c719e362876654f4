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
import type {
  JoinOptions,
  JoinResult,
  LeaveOptions,
  LeaveResult,
  RefreshOptions,
  RefreshResult,
  SessionStore,
} from "./adapter.js";
import {
  checkId,
  checkMembership,
  joinArguments,
  joinResult,
  refreshArguments,
  sessionFull,
  ttlMs,
} from "./arguments.js";
import {
  DETACH_SCRIPT,
  JOIN_SCRIPT,
  LEAVE_SCRIPT,
  PEERS_SCRIPT,
  REFRESH_SCRIPT,
  TOUCH_SCRIPT,
} from "./redis_scripts.js";

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
  p2pJoin(
    key: string,
    peer: string,
    max: number,
    ttl: number,
    lease: number,
    joinId: string,
  ): Promise<string[]>;
  p2pRefresh(
    key: string,
    peer: string,
    joinId: string,
    lease: number,
    ttl: string,
  ): Promise<[number, string]>;
  p2pDetach(key: string, peer: string, joinId: string): Promise<number>;
  p2pLeave(key: string, peer: string, joinId: string): Promise<Array<number | string>>;
  p2pPeers(key: string): Promise<string[]>;
  p2pTouch(key: string, ttl: string): Promise<number>;
}

const SCRIPTS = {
  p2pJoin: JOIN_SCRIPT,
  p2pRefresh: REFRESH_SCRIPT,
  p2pDetach: DETACH_SCRIPT,
  p2pLeave: LEAVE_SCRIPT,
  p2pPeers: PEERS_SCRIPT,
  p2pTouch: TOUCH_SCRIPT,
} as const;

/**
 * Session state in Redis for N server processes. Every operation is one Lua script, so host
 * election and lease checks are atomic across processes, and leases are measured on Redis's clock
 * (`TIME`), the same for every process; sessions expire through Redis TTLs (PEXPIRE on every
 * write). One hash per session; see `redis_scripts.ts` for its fields. While Redis is away, every
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
    for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 1, lua });
    this.#redis = redis as Redis & SessionCommands;
  }

  /** See `SessionStore.join`: one Lua script, so concurrent joins elect exactly one host. */
  async join(sessionId: string, peerId: string, options: JoinOptions = {}): Promise<JoinResult> {
    const { maxPeers, ttlMs, leaseMs, joinId } = joinArguments(sessionId, peerId, options);
    const key = this.#key(sessionId);
    const reply = await this.#run("join", () =>
      this.#redis.p2pJoin(key, peerId, maxPeers ?? 0, ttlMs, leaseMs, joinId),
    );
    if (reply[0] === "full") {
      throw sessionFull(sessionId, maxPeers);
    }
    const [replaced, expiredHost, host, ...peers] = reply as [string, string, string, ...string[]];
    return joinResult(peerId, { host, peers, joinId }, replaced || undefined, expiredHost || undefined);
  }

  /** See `SessionStore.refresh`: one Lua script on Redis's clock. */
  async refresh(
    sessionId: string,
    peerId: string,
    joinId: string,
    options: RefreshOptions = {},
  ): Promise<RefreshResult> {
    const { leaseMs, ttlMs } = refreshArguments(sessionId, peerId, joinId, options);
    const key = this.#key(sessionId);
    const [member, expiredHost] = await this.#run("refresh", () =>
      this.#redis.p2pRefresh(key, peerId, joinId, leaseMs, ttlMs === undefined ? "" : String(ttlMs)),
    );
    return expiredHost ? { member: member === 1, expiredHost } : { member: member === 1 };
  }

  /** See `SessionStore.detach`. */
  async detach(sessionId: string, peerId: string, joinId: string): Promise<boolean> {
    checkMembership(sessionId, peerId, joinId);
    const key = this.#key(sessionId);
    return (await this.#run("detach", () => this.#redis.p2pDetach(key, peerId, joinId))) === 1;
  }

  /** See `SessionStore.leave`. */
  async leave(sessionId: string, peerId: string, options: LeaveOptions = {}): Promise<LeaveResult> {
    if (options.joinId !== undefined) checkId("joinId", options.joinId);
    const key = this.#key(sessionId);
    const reply = await this.#run("leave", () => this.#redis.p2pLeave(key, peerId, options.joinId ?? ""));
    const [left, hostLeft, ...peers] = reply;
    return { left: left === 1, hostLeft: hostLeft === 1, peers: peers as string[] };
  }

  /** See `SessionStore.peers`. */
  async peers(sessionId: string): Promise<string[]> {
    return this.#run("peers", () => this.#redis.p2pPeers(this.#key(sessionId)));
  }

  /** See `SessionStore.host`. */
  async host(sessionId: string): Promise<string | null> {
    return this.#run("host", () => this.#redis.hget(this.#key(sessionId), "host"));
  }

  /** See `SessionStore.touch`. */
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
