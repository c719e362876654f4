import type { FakeClock } from "../../src/testing/fake_clock.js";

/** One turn of the event loop: what the fake peer connections and data channels wait between steps. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs turns of the event loop until `done()`, or fails naming what never happened. No clock is involved. */
export async function until(done: () => boolean, description: string, limit = 2000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (done()) return;
    await turn();
  }
  throw new Error(`never happened: ${description}`);
}

/** Runs a few turns, so that what is already under way settles. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

/** Moves `clock` forward by `ms` in steps, letting the event loop run between (open links keep beating). */
export async function elapse(clock: FakeClock, ms: number, step = 200): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await settle(5);
  }
}
