/** Value at quantile `q` (0..1) of `values`, linearly interpolated; NaN for none. Sorts a copy. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return quantileOfSorted(sorted, q);
}

/** As `quantile`, for an already ascending array (no copy: for the big latency arrays). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low]!;
  const b = sorted[high]!;
  return a + (b - a) * (position - low);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** The spread of trials as the tables print it: median, and p95 when there are enough trials to mean anything. */
export interface Spread {
  median: number;
  p95: number | undefined;
  trials: number;
}

export function spread(values: number[]): Spread {
  return {
    median: median(values),
    p95: values.length >= 3 ? quantile(values, 0.95) : undefined,
    trials: values.length,
  };
}

/** Growable list of latencies in a typed array: a few hundred thousand samples per window. */
export class Samples {
  #data = new Float64Array(1 << 16);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  get length(): number {
    return this.#length;
  }

  /** p50 and p99, in the unit pushed. */
  percentiles(): { p50: number; p99: number } {
    const sorted = this.#data.subarray(0, this.#length).sort();
    return { p50: quantileOfSorted(sorted, 0.5), p99: quantileOfSorted(sorted, 0.99) };
  }
}
