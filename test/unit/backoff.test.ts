import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Backoff } from "../../src/client/session/backoff.js";

describe("Backoff", () => {
  test("doubles the ceiling with each attempt up to maxMs", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.5);
    const delays = Array.from({ length: 7 }, () => backoff.next());
    assert.deepEqual(delays, [50, 100, 200, 400, 500, 500, 500]);
    assert.equal(backoff.attempts, 7);
  });

  test("draws each delay anywhere below its ceiling (full jitter)", () => {
    const draws = [0, 0.999, 0.25];
    const backoff = new Backoff({ initialMs: 200, maxMs: 10_000 }, () => draws.shift()!);
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [0, 399, 200]);
  });

  test("starts over from the first delay after reset", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.next(), 50);
  });
});
