import type { BackoffOptions } from "./types.js";

/**
 * Delays between retries: exponential with full jitter ("Exponential Backoff And Jitter", AWS
 * Architecture Blog). Attempt `n` (counted from 0) waits `random() * min(maxMs, initialMs * 2^n)`,
 * so many clients that lost the same server do not come back in step. `reset()` after a success.
 *
 * @example
 * const backoff = new Backoff({ initialMs: 250, maxMs: 10_000 });
 * clock.setTimeout(retry, backoff.next()); // below 250 ms, then below 500, 1000, … 10 000
 * backoff.reset(); // the next retry starts small again
 */
export class Backoff {
  readonly #options: BackoffOptions;
  readonly #random: () => number;
  #attempts = 0;

  constructor(options: BackoffOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** Retries counted since the last `reset()`. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The ceiling of the next delay: `min(maxMs, initialMs * 2^attempts)`. */
  get ceiling(): number {
    return Math.min(this.#options.maxMs, this.#options.initialMs * 2 ** this.#attempts);
  }

  /** The delay before the next retry, in ms; counts the attempt. */
  next(): number {
    const delay = Math.floor(this.#random() * this.ceiling);
    this.#attempts += 1;
    return delay;
  }

  /** Starts over from the first delay. */
  reset(): void {
    this.#attempts = 0;
  }
}
