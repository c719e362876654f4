import type { Redis } from "ioredis";
import type { Logger } from "../protocol/logger.js";
import { RedisStoreClient } from "../redis/store_client.js";
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
  readonly #client: RedisStoreClient<SessionCommands>;

  constructor(options: RedisSessionStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? "p2p:";
    this.#client = new RedisStoreClient<SessionCommands>(options, "RedisSessionStore", "session store");
    for (const [name, lua] of Object.entries(SCRIPTS))
      this.#client.redis.defineCommand(name, { numberOfKeys: 1, lua });
  }

  /** See `SessionStore.join`: one Lua script, so concurrent joins elect exactly one host. */
  async join(sessionId: string, peerId: string, options: JoinOptions = {}): Promise<JoinResult> {
    const { maxPeers, ttlMs, leaseMs, joinId } = joinArguments(sessionId, peerId, options);
    const key = this.#key(sessionId);
    const reply = await this.#client.run("join", () =>
      this.#client.redis.p2pJoin(key, peerId, maxPeers ?? 0, ttlMs, leaseMs, joinId),
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
    const [member, expiredHost] = await this.#client.run("refresh", () =>
      this.#client.redis.p2pRefresh(key, peerId, joinId, leaseMs, ttlMs === undefined ? "" : String(ttlMs)),
    );
    return expiredHost ? { member: member === 1, expiredHost } : { member: member === 1 };
  }

  /** See `SessionStore.detach`. */
  async detach(sessionId: string, peerId: string, joinId: string): Promise<boolean> {
    checkMembership(sessionId, peerId, joinId);
    const key = this.#key(sessionId);
    return (await this.#client.run("detach", () => this.#client.redis.p2pDetach(key, peerId, joinId))) === 1;
  }

  /** See `SessionStore.leave`. */
  async leave(sessionId: string, peerId: string, options: LeaveOptions = {}): Promise<LeaveResult> {
    if (options.joinId !== undefined) checkId("joinId", options.joinId);
    const key = this.#key(sessionId);
    const reply = await this.#client.run("leave", () =>
      this.#client.redis.p2pLeave(key, peerId, options.joinId ?? ""),
    );
    const [left, hostLeft, ...peers] = reply;
    return { left: left === 1, hostLeft: hostLeft === 1, peers: peers as string[] };
  }

  /** See `SessionStore.peers`. */
  async peers(sessionId: string): Promise<string[]> {
    return this.#client.run("peers", () => this.#client.redis.p2pPeers(this.#key(sessionId)));
  }

  /** See `SessionStore.host`. */
  async host(sessionId: string): Promise<string | null> {
    return this.#client.run("host", () => this.#client.redis.hget(this.#key(sessionId), "host"));
  }

  /** See `SessionStore.touch`. */
  async touch(sessionId: string, ttlSeconds?: number): Promise<void> {
    const ttl = ttlSeconds === undefined ? "" : String(ttlMs(ttlSeconds));
    const key = this.#key(sessionId);
    await this.#client.run("touch", () => this.#client.redis.p2pTouch(key, ttl));
  }

  /** Closes the Redis connection (not a client passed in). */
  async close(): Promise<void> {
    await this.#client.close();
  }

  #key(sessionId: string): string {
    return `${this.keyPrefix}session:${sessionId}`;
  }
}
