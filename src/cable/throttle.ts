import type { Logger } from "../protocol/logger.js";
import { TokenBucket } from "./token_bucket.js";

/** The per-socket rate limit, as `CableServerOptions` sets it, and where to log an overload. */
export interface RateLimits {
  /** Frames one socket may send at once, and refilled per second (the token bucket). */
  readonly messageBurst: number;
  readonly messagesPerSecond: number;
  /** Frames dropped in one overload, each answered with `rate_limited`, before the disconnect. */
  readonly maxThrottledMessages: number;
  /** The rate limit's clock, in milliseconds. */
  now(): number;
  readonly logger: Logger;
}

/**
 * One socket's rate limit: a token bucket, and the frames dropped in the current overload. A frame
 * over the rate is dropped and answered with `rate_limited` on its identifier, so the client knows
 * which command was lost; past `maxThrottledMessages` the socket is disconnected (reconnect true: a
 * client that backs off is welcome back).
 */
export class Throttle {
  readonly #limits: RateLimits;
  readonly #connection: string;
  readonly #bucket: TokenBucket;
  /** Frames dropped since the bucket was last full. */
  #dropped = 0;

  /** `undefined` when `messagesPerSecond` is `Infinity`: no limit, nothing to count. */
  static of(limits: RateLimits, connection: string): Throttle | undefined {
    return Number.isFinite(limits.messagesPerSecond) ? new Throttle(limits, connection) : undefined;
  }

  constructor(limits: RateLimits, connection: string) {
    this.#limits = limits;
    this.#connection = connection;
    const { messageBurst: burst, messagesPerSecond: perSecond, now } = limits;
    this.#bucket = new TokenBucket({ burst, perSecond, now });
  }

  /** Whether one more frame may pass; spends a token when it may. */
  admit(): boolean {
    // An overload ends once the client has been quiet long enough to refill the whole burst.
    if (this.#dropped > 0 && this.#bucket.full) this.#dropped = 0;
    return this.#bucket.take();
  }

  /**
   * Counts one dropped frame, logging the first of an overload: `answer` it with `rate_limited`,
   * or `disconnect` once more than `maxThrottledMessages` were dropped.
   */
  drop(): "answer" | "disconnect" {
    const { messageBurst, messagesPerSecond, maxThrottledMessages, logger } = this.#limits;
    const connection = this.#connection;
    if (++this.#dropped > maxThrottledMessages) {
      logger.warn("rate limit exceeded, disconnecting", { connection, dropped: this.#dropped - 1 });
      return "disconnect";
    }
    if (this.#dropped === 1) {
      logger.warn("rate limited", { connection, burst: messageBurst, perSecond: messagesPerSecond });
    }
    return "answer";
  }

  /** What the client is told about a dropped `command`. */
  message(command: string): string {
    const { messageBurst, messagesPerSecond } = this.#limits;
    return `Too many messages: at most ${messagesPerSecond} a second, in bursts of ${messageBurst}; this ${command} was dropped`;
  }
}
