import { Redis, type RedisOptions } from "ioredis";
import { P2pError, type Reason } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";

/**
 * Connection settings shared by `RedisPubSub` and `RedisSessionStore`: fail fast instead of queueing.
 * While Redis is away a command must reject in bounded time (the caller answers its client with a
 * clear error), never wait in an offline queue for a reconnect that may take minutes.
 */
export const redisConnectionDefaults = {
  /** How long a command waits for a (re)connecting client to become ready before giving up. */
  readyTimeoutMs: 1000,
  /** A command without a reply after this long rejects (a hung, not closed, Redis). */
  commandTimeoutMs: 2000,
  /** Longest pause between reconnection attempts: recovery is noticed within about this long. */
  maxReconnectDelayMs: 1000,
} as const;

/** Opens an ioredis client with the fail-fast settings and logs its state changes (once per change). */
export function openRedis(url: string, role: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: redisConnectionDefaults.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, redisConnectionDefaults.maxReconnectDelayMs),
    ...options,
  });
  watchRedis(redis, role, redactUrl(url), logger);
  return redis;
}

/** Logs `redis connected` / `redis connection lost` / the first error of an outage, not every retry. */
export function watchRedis(redis: Redis, role: string, url: string, logger: Logger): void {
  let everReady = false;
  let up = false;
  let lastError = "";
  redis.on("ready", () => {
    logger.info(everReady ? "redis reconnected" : "redis connected", { role, url });
    everReady = true;
    up = true;
    lastError = "";
  });
  redis.on("close", () => {
    if (up) logger.warn("redis connection lost", { role, url });
    up = false;
  });
  redis.on("error", (error: Error) => {
    const text = String(error.message ?? error);
    if (text === lastError) return;
    lastError = text;
    logger.warn("redis error", { role, url, error: text });
  });
}

// One pending "next ready" per client, however many commands wait on it.
const nextReady = new WeakMap<Redis, Promise<void>>();

/**
 * Resolves once `redis` is ready, or throws `P2pError(reason)` after `timeoutMs`: a command issued
 * while (re)connecting waits that long at most, then the caller gets a clear error.
 */
export async function whenReady(redis: Redis, timeoutMs: number, reason: Reason): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "end") throw new P2pError(reason, "Redis client is closed");
  let ready = nextReady.get(redis);
  if (!ready) {
    ready = new Promise<void>((resolve) => {
      redis.once("ready", () => {
        nextReady.delete(redis);
        resolve();
      });
    });
    nextReady.set(redis, ready);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new P2pError(reason, `Redis is unavailable (status "${redis.status}" after ${timeoutMs} ms)`));
    }, timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps a failed Redis command in a `P2pError` with `reason`, keeping the cause. */
export function unavailable(reason: Reason, what: string, error: unknown): P2pError {
  if (error instanceof P2pError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new P2pError(reason, `Redis ${what} failed: ${text}`, { cause: error });
}

/** Closes politely when connected, at once otherwise (a QUIT to a dead server would only time out). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable redis url)";
  }
}
