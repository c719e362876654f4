import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TokenBucket } from "../../src/cable/token_bucket.js";
import { FakeClock } from "../../src/testing/fake_clock.js";

describe("TokenBucket", () => {
  test("allows a burst, then refuses until it refills at perSecond", () => {
    const time = new FakeClock(1_000);
    const bucket = new TokenBucket({ burst: 3, perSecond: 10, now: () => time.now() });
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    time.advance(99);
    assert.equal(bucket.take(), false, "0.99 of a token is not a token");
    time.advance(1);
    assert.equal(bucket.take(), true, "one token after 100 ms at 10/s");
    assert.equal(bucket.take(), false);
  });

  test("never holds more than its burst, however long it rests", () => {
    const time = new FakeClock(1_000);
    const bucket = new TokenBucket({ burst: 2, perSecond: 1000, now: () => time.now() });
    time.advance(3_600_000);
    assert.equal(bucket.full, true);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false]);
  });

  test("reports full only once it has refilled completely", () => {
    const time = new FakeClock(1_000);
    const bucket = new TokenBucket({ burst: 4, perSecond: 2, now: () => time.now() });
    bucket.take();
    bucket.take();
    assert.equal(bucket.full, false);
    time.advance(999);
    assert.equal(bucket.full, false);
    time.advance(1);
    assert.equal(bucket.full, true);
  });

  test("refuses a burst below 1 or a rate that is not positive", () => {
    assert.throws(() => new TokenBucket({ burst: 0, perSecond: 1 }), /burst must be at least 1/);
    assert.throws(() => new TokenBucket({ burst: 1, perSecond: 0 }), /perSecond must be a positive number/);
    assert.throws(() => new TokenBucket({ burst: 1, perSecond: Number.NaN }), /perSecond/);
  });
});
