import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { P2pError } from "../../src/protocol/errors.js";
import { FakeClock } from "../../src/testing/fake_clock.js";

const SECRET = "unit-test-secret-0123456789";

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof P2pError, `expected a P2pError, got ${error}`);
    return error.reason;
  }
  assert.fail("expected verify to throw");
}

/** Flips one character of the token at `index` to another valid character of the same alphabet. */
function flip(token: string, index: number): string {
  const c = token[index]!;
  const other = /[0-9a-f]/.test(c) ? (c === "0" ? "1" : "0") : c === "A" ? "B" : "A";
  return token.slice(0, index) + other + token.slice(index + 1);
}

describe("Signer tokens", () => {
  test("round-trips a value with purpose", () => {
    const signer = new Signer(SECRET);
    const token = signer.sign({ sessionId: "chat", peerId: "ann" }, { purpose: "session" });
    assert.deepEqual(signer.verify(token, { purpose: "session" }), { sessionId: "chat", peerId: "ann" });
  });

  test("uses HMAC-SHA256 over the base64 data, in Rails' data--digest shape", () => {
    const token = new Signer(SECRET).sign("x");
    const [data, digest] = token.split("--");
    assert.equal(digest, createHmac("sha256", SECRET).update(data!).digest("hex"));
    assert.match(digest!, /^[0-9a-f]{64}$/);
  });

  test("refuses a token signed for another purpose", () => {
    const signer = new Signer(SECRET);
    assert.equal(
      reason(() => signer.verify(signer.sign(1, { purpose: "room" }), { purpose: "session" })),
      "invalid_token",
    );
    assert.equal(
      reason(() => signer.verify(signer.sign(1), { purpose: "session" })),
      "invalid_token",
    );
    assert.equal(
      reason(() => signer.verify(signer.sign(1, { purpose: "room" }))),
      "invalid_token",
    );
  });

  test("expires at expiresIn seconds on the injected clock", () => {
    const time = new FakeClock(1_700_000_000_000);
    const signer = new Signer(SECRET, { now: () => time.now() });
    const token = signer.sign("v", { purpose: "p", expiresIn: 60 });
    time.advance(59_000);
    assert.equal(signer.verify(token, { purpose: "p" }), "v");
    time.advance(1_000);
    assert.equal(
      reason(() => signer.verify(token, { purpose: "p" })),
      "expired_token",
    );
  });

  test("never expires without expiresIn", () => {
    const time = new FakeClock(0);
    const signer = new Signer(SECRET, { now: () => time.now() });
    const token = signer.sign("v");
    time.advance(10 * 365 * 24 * 3600 * 1000);
    assert.equal(signer.verify(token), "v");
  });

  test("refuses every single-character tampering, in data and in digest", () => {
    const signer = new Signer(SECRET);
    const token = signer.sign({ peerId: "ann" }, { purpose: "session" });
    for (let i = 0; i < token.length; i++) {
      if (token[i] === "-" || token[i] === "=") continue;
      assert.equal(
        reason(() => signer.verify(flip(token, i), { purpose: "session" })),
        "invalid_token",
        `index ${i}`,
      );
    }
  });

  test("refuses a token from another secret", () => {
    const token = new Signer("another-secret-0123456789").sign("v");
    assert.equal(
      reason(() => new Signer(SECRET).verify(token)),
      "invalid_token",
    );
  });

  test("refuses a re-signed payload that swaps the expiry", () => {
    const time = new FakeClock(0);
    const signer = new Signer(SECRET, { now: () => time.now() });
    const token = signer.sign("v", { expiresIn: 1 });
    const [data, digest] = token.split("--");
    const forged = Buffer.from(JSON.stringify({ v: "v", e: 9_999_999_999 })).toString("base64");
    assert.equal(
      reason(() => signer.verify(`${forged}--${digest}`)),
      "invalid_token",
    );
    assert.equal(signer.verify(`${data}--${digest}`), "v");
  });

  for (const garbage of [
    undefined,
    null,
    42,
    {},
    "",
    "--",
    "abc--def",
    `${"a".repeat(20_000)}--${"0".repeat(64)}`,
  ]) {
    test(`refuses the malformed token ${JSON.stringify(garbage)?.slice(0, 20)}`, () => {
      assert.equal(
        reason(() => new Signer(SECRET).verify(garbage)),
        "invalid_token",
      );
    });
  }

  test("refuses a secret shorter than 16 characters", () => {
    assert.throws(() => new Signer("short"), P2pError);
  });
});

describe("Signer stream names", () => {
  test("signs like turbo-rails: base64 of the JSON name, then 64 hex", () => {
    const signed = new Signer(SECRET).signStreamName("room:42");
    assert.match(signed, /^InJvb206NDIi--[0-9a-f]{64}$/);
    assert.equal(signed.split("--")[1], createHmac("sha256", SECRET).update("InJvb206NDIi").digest("hex"));
  });

  test("verifies its own names and refuses tampered or foreign ones", () => {
    const signer = new Signer(SECRET);
    const signed = signer.signStreamName("room:42");
    assert.equal(signer.verifyStreamName(signed), "room:42");
    const other = Buffer.from(JSON.stringify("room:43")).toString("base64");
    assert.equal(signer.verifyStreamName(`${other}--${signed.split("--")[1]}`), null);
    assert.equal(signer.verifyStreamName(flip(signed, signed.length - 1)), null);
    assert.equal(new Signer("another-secret-0123456789").verifyStreamName(signed), null);
    assert.equal(signer.verifyStreamName(undefined), null);
  });

  test("does not accept a signed token (an object) as a stream name", () => {
    const signer = new Signer(SECRET);
    assert.equal(signer.verifyStreamName(signer.sign("room:42", { purpose: "session" })), null);
  });

  test("does not accept a stream name as a token", () => {
    const signer = new Signer(SECRET);
    assert.equal(
      reason(() => signer.verify(signer.signStreamName("room:42"))),
      "invalid_token",
    );
  });
});
