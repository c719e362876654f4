/**
 * A token bucket: holds up to `burst` tokens, gains `perSecond` tokens a second, and each
 * `take()` spends one. Time comes from the injected clock, so tests need no waiting.
 *
 * @example
 * const bucket = new TokenBucket({ burst: 500, perSecond: 100 });
 * if (!bucket.take()) dropTheFrame();
 */
export class TokenBucket {
  readonly burst: number;
  readonly perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(options: { burst: number; perSecond: number; now?: () => number }) {
    const { burst, perSecond } = options;
    if (!(burst >= 1)) throw new TypeError(`burst must be at least 1, got ${burst}`);
    if (!(perSecond > 0)) throw new TypeError(`perSecond must be a positive number, got ${perSecond}`);
    this.burst = burst;
    this.perSecond = perSecond;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#tokens = burst;
    this.#at = this.#now();
  }

  /** Spends one token; false (and nothing spent) when the bucket is empty. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether the bucket is back to its full burst: the client has been quiet long enough. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.burst;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#at;
    this.#at = now;
    if (elapsed > 0) this.#tokens = Math.min(this.burst, this.#tokens + (elapsed / 1000) * this.perSecond);
  }
}
