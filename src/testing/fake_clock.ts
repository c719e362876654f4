import type { Clock } from "../client/session/types.js";

interface Timer {
  at: number;
  callback: () => void;
  /** `null` for a timeout, the period for an interval. */
  every: number | null;
}

/**
 * A `Clock` whose time moves only when the test says: `advance(ms)` runs every timer that falls
 * due, in time order, with `now()` at each one's due time. Pass it as the `clock` option of
 * `P2pSession` (heartbeat, negotiation timeouts, reconnect backoff) and no test waits on real time.
 *
 * @example
 * const clock = new FakeClock();
 * const session = new P2pSession({ sessionId, peerId, token, clock, createConsumer });
 * clock.advance(10_000); // the negotiation timeout fires, synchronously
 */
export class FakeClock implements Clock {
  readonly #timers = new Map<number, Timer>();
  #now: number;
  #nextId = 1;

  constructor(start = 0) {
    this.#now = start;
  }

  /** The fake time in ms. */
  now(): number {
    return this.#now;
  }

  /** Runs `callback` once `ms` from now (fake time). */
  setTimeout(callback: () => void, ms: number): number {
    return this.#add(callback, ms, null);
  }

  /** Cancels a timeout; unknown handles are ignored. */
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Runs `callback` every `ms` (fake time). */
  setInterval(callback: () => void, ms: number): number {
    return this.#add(callback, ms, Math.max(1, ms));
  }

  /** Cancels an interval; unknown handles are ignored. */
  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer is due (fake time), or `null` when none waits. */
  nextAt(): number | null {
    let next: number | null = null;
    for (const { at } of this.#timers.values()) if (next === null || at < next) next = at;
    return next;
  }

  /** Moves time forward by `ms`, running what falls due on the way (timers set meanwhile included). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#due(until);
      if (!due) break;
      const [id, timer] = due;
      this.#now = timer.at;
      if (timer.every === null) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.#now = until;
  }

  #add(callback: () => void, ms: number, every: number | null): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback, every });
    return id;
  }

  /** The earliest timer due by `until` (the one set first among equals). */
  #due(until: number): [number, Timer] | null {
    let best: [number, Timer] | null = null;
    for (const entry of this.#timers) {
      if (entry[1].at > until) continue;
      if (!best || entry[1].at < best[1].at) best = entry;
    }
    return best;
  }
}
