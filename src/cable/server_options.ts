import type { Logger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import type { Authenticate } from "./authentication.js";
import type { ChannelClass } from "./channel.js";
import type { CableObserver } from "./observer.js";
import type { OriginPolicy } from "./origin.js";
import type { CableSessionStore } from "./session_parking.js";
import type { Signer } from "./signer.js";

/** Everything a `CableServer` can be told; only `channels` and a secret (or `P2P_SECRET`) are needed. */
export interface CableServerOptions {
  /** Channel classes clients may subscribe to, looked up by their `channelName`. */
  channels: ChannelClass[];
  /** URL path of the cable. Default `/cable`. */
  path?: string;
  /** Pub/sub used by `streamFrom` and `broadcast`. Default: a new `MemoryPubSub`, closed with the server. */
  pubsub?: PubSub;
  /** Signs and verifies tokens and Turbo stream names. Default: from `secret`, then `P2P_SECRET`. */
  signer?: Signer;
  /** Secret for the default signer (at least 16 characters). */
  secret?: string;
  /**
   * Decides who a socket is. Return an identity object, or `null` to refuse: the client then gets
   * `disconnect` with reason `unauthorized` and `reconnect: false`. Default: everyone, identity `{}`.
   */
  authenticate?: Authenticate;
  /**
   * How long `authenticate` may take, in milliseconds. Default 5000. One that has not answered by
   * then is refused like a `null` (`unauthorized`, `reconnect: false`) and logged, so a hanging
   * callback cannot hold the socket's commands or its teardown.
   */
  authenticateTimeoutMs?: number;
  /** Which browser origins may open the cable. Default `"same-origin"` (the request's own host). */
  allowedOrigins?: OriginPolicy;
  /** Largest accepted frame, in bytes. A larger one disconnects with `message_too_big`. Default 64 KiB. */
  maxMessageBytes?: number;
  /** A socket whose unsent output exceeds this is disconnected with `too_slow`. Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * Subscriptions one socket may hold. Default 32. One more is rejected after an error with
   * reason `too_many_subscriptions` on its identifier.
   */
  maxSubscriptions?: number;
  /**
   * Frames one socket may send back to back (the token bucket's size). Default 500: a host
   * answering many joiners at once sends an offer and a dozen candidates to each.
   */
  messageBurst?: number;
  /**
   * Frames a second one socket may send, sustained (the bucket's refill rate). Default 100.
   * A frame over the rate is dropped and answered with `rate_limited` on its identifier; other
   * sockets are unaffected. `Infinity` turns the limit off.
   */
  messagesPerSecond?: number;
  /**
   * Frames dropped in one overload (until the bucket is full again) before the socket is
   * disconnected with `rate_limited`, `reconnect: true`. Default 100.
   */
  maxThrottledMessages?: number;
  /** Milliseconds clock of the rate limit. Default `performance.now`; tests inject their own. */
  now?: () => number;
  /** JSON `ping` interval. Default 3000 ms, as Rails; clients think a socket stale after 6 s. */
  pingIntervalMs?: number;
  /** Native WebSocket ping rounds: a socket silent for two rounds is terminated. Default 15000 ms. */
  livenessIntervalMs?: number;
  /**
   * How long `close()` waits for sockets to close and their teardown to finish, in milliseconds.
   * Default 5000. Sockets still there at the deadline are terminated and forgotten (reported as
   * `teardown failed`, step `abandoned`), so a hanging `unsubscribed` cannot hold the shutdown.
   */
  closeTimeoutMs?: number;
  /**
   * Whether clients may pick AnyCable's extended protocol (`actioncable-v1-ext-json`: session
   * restore, stream history). Default true. Clients of the plain protocol are served as before
   * either way; false makes the server answer like Rails, which does not offer the extended one.
   */
  extendedProtocol?: boolean;
  /**
   * How long the session of an extended-protocol client whose socket dropped is kept for a
   * restore, in milliseconds. Default 15000 (AnyCable keeps 300 s). Its channels stay subscribed
   * meanwhile (a session's membership stays leased), and learn the subscriber is gone only when
   * it expires: short enough that a host that is really gone is replaced within seconds, long
   * enough for a Wi-Fi handover and the client's first reconnect attempts.
   */
  sessionTtlMs?: number;
  /**
   * Where sessions to restore are kept for every process (`RedisCableSessionStore`), so that a
   * client restores on any of them. Default none: a client restores on the process it left.
   */
  sessionStore?: CableSessionStore;
  logger?: Logger;
  /** Told about connections, subscriptions and messages (metrics, audit). More with `observe()`. */
  observer?: CableObserver;
}

/** Defaults of `CableServerOptions`, for docs and for options derived from them. */
export const cableDefaults = {
  path: "/cable",
  allowedOrigins: "same-origin" as OriginPolicy,
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxSubscriptions: 32,
  messageBurst: 500,
  messagesPerSecond: 100,
  maxThrottledMessages: 100,
  pingIntervalMs: 3000,
  livenessIntervalMs: 15_000,
  authenticateTimeoutMs: 5000,
  closeTimeoutMs: 5000,
  extendedProtocol: true,
  sessionTtlMs: 15_000,
} as const;

/** `CableServerOptions` past the defaults and the checks: the limits and timings the server runs with. */
export interface CableSettings {
  readonly path: string;
  readonly allowedOrigins: OriginPolicy;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  readonly messageBurst: number;
  readonly messagesPerSecond: number;
  readonly maxThrottledMessages: number;
  now(): number;
  readonly pingIntervalMs: number;
  readonly livenessIntervalMs: number;
  readonly authenticateTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly extendedProtocol: boolean;
  readonly sessionTtlMs: number;
  /** How long a restored subscription holds broadcasts for the client's `history` request. */
  readonly historyWaitMs: number;
}

// The longest delay setTimeout keeps: beyond it, Node fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Fills in the defaults and checks the numbers; a `TypeError` quotes the first value that cannot work. */
export function cableSettings(options: CableServerOptions): CableSettings {
  const closeTimeoutMs = timeout(options, "closeTimeoutMs", 0);
  const messageBurst = options.messageBurst ?? cableDefaults.messageBurst;
  const messagesPerSecond = options.messagesPerSecond ?? cableDefaults.messagesPerSecond;
  const maxThrottledMessages = options.maxThrottledMessages ?? cableDefaults.maxThrottledMessages;
  if (!(Number.isInteger(messageBurst) && messageBurst >= 1)) {
    throw new TypeError(`messageBurst must be a positive integer, got ${messageBurst}`);
  }
  if (!(messagesPerSecond > 0)) {
    throw new TypeError(`messagesPerSecond must be a positive number or Infinity, got ${messagesPerSecond}`);
  }
  if (!(Number.isInteger(maxThrottledMessages) && maxThrottledMessages >= 0)) {
    throw new TypeError(`maxThrottledMessages must be a whole number, got ${maxThrottledMessages}`);
  }
  return {
    path: options.path ?? cableDefaults.path,
    allowedOrigins: options.allowedOrigins ?? cableDefaults.allowedOrigins,
    maxMessageBytes: options.maxMessageBytes ?? cableDefaults.maxMessageBytes,
    maxBufferedBytes: options.maxBufferedBytes ?? cableDefaults.maxBufferedBytes,
    maxSubscriptions: options.maxSubscriptions ?? cableDefaults.maxSubscriptions,
    messageBurst,
    messagesPerSecond,
    maxThrottledMessages,
    now: options.now ?? performance.now.bind(performance),
    pingIntervalMs: options.pingIntervalMs ?? cableDefaults.pingIntervalMs,
    livenessIntervalMs: options.livenessIntervalMs ?? cableDefaults.livenessIntervalMs,
    authenticateTimeoutMs: timeout(options, "authenticateTimeoutMs", 1),
    closeTimeoutMs,
    extendedProtocol: options.extendedProtocol ?? cableDefaults.extendedProtocol,
    sessionTtlMs: timeout(options, "sessionTtlMs", 1),
    historyWaitMs: 5000,
  };
}

/** The secret of the default signer: `P2P_SECRET`, or a `TypeError` saying how to give one. */
export function requireSecret(): string {
  const secret = process.env.P2P_SECRET;
  if (!secret) {
    throw new TypeError("CableServer needs a signing secret: pass `secret` or `signer`, or set P2P_SECRET");
  }
  return secret;
}

function timeout(
  options: CableServerOptions,
  name: "authenticateTimeoutMs" | "closeTimeoutMs" | "sessionTtlMs",
  min: number,
) {
  const value = options[name] ?? cableDefaults[name];
  if (!(typeof value === "number" && value >= min && value <= MAX_TIMER_MS)) {
    throw new TypeError(
      `${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${value}`,
    );
  }
  return value;
}
