import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lastNoticed } from "../../bench/browser/star.js";

describe("host-loss recovery: noticed", () => {
  test("is the last page's first time, from the loss", () => {
    assert.deepEqual(lastNoticed([1_040, 1_170, 1_020], 1_000), { noticedMs: 170, unnoticed: 0 });
  });

  test("is missing, never NaN, when a page never left connected, and says how many", () => {
    const result = lastNoticed([1_040, null, 1_020, null], 1_000);
    assert.deepEqual(result, { noticedMs: undefined, unnoticed: 2 });
  });
});
