/**
 * Counts arrivals and lets a benchmark wait for a count with a deadline, woken by the arrival
 * itself rather than by polling. A wait that expires fails naming what is missing: a lost
 * message must fail the run, not shrink the figure.
 */
export class Tally {
  count = 0;
  #target = Number.POSITIVE_INFINITY;
  #reached: (() => void) | undefined;

  add(): void {
    this.count++;
    if (this.count >= this.#target) this.#wake();
  }

  until(target: number, what: string, deadlineMs = 30_000): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#reached = undefined;
        this.#target = Number.POSITIVE_INFINITY;
        reject(
          new Error(`after ${deadlineMs} ms, ${target - this.count} of ${target} ${what} had not arrived`),
        );
      }, deadlineMs);
      this.#target = target;
      this.#reached = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #wake(): void {
    const reached = this.#reached;
    this.#reached = undefined;
    this.#target = Number.POSITIVE_INFINITY;
    reached?.();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
