import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, test } from "node:test";
import { originAllowed } from "../../src/cable/origin.js";

/** The two headers the check reads, as Node hands them over. */
function upgrade(headers: { origin?: string; host?: string }): IncomingMessage {
  return { headers } as IncomingMessage;
}

describe("originAllowed", () => {
  test("same-origin admits the request's own host and port only", () => {
    const host = "app.example:8080";
    assert.equal(originAllowed("same-origin", upgrade({ origin: "https://app.example:8080", host })), true);
    for (const origin of [
      "https://app.example",
      "https://app.example:8081",
      "https://evil.example:8080",
      "https://app.example:8080.evil.example",
      "https://app.example.evil.example:8080",
      "null",
      "not a url",
    ]) {
      assert.equal(originAllowed("same-origin", upgrade({ origin, host })), false, origin);
    }
  });

  test("same-origin refuses a browser request without a Host header", () => {
    assert.equal(originAllowed("same-origin", upgrade({ origin: "https://app.example" })), false);
  });

  test("a list admits exact origins and patterns, nothing else", () => {
    const policy = ["https://app.example", /^https:\/\/[a-z]+\.app\.example$/];
    const allowed = (origin: string) => originAllowed(policy, upgrade({ origin, host: "cable.internal" }));
    assert.equal(allowed("https://app.example"), true);
    assert.equal(allowed("https://eu.app.example"), true);
    assert.equal(allowed("http://app.example"), false, "scheme matters");
    assert.equal(allowed("https://app.example.evil.example"), false);
    assert.equal(allowed("https://evil.example/?https://app.example"), false);
    assert.equal(allowed("https://x.eu.app.example"), false);
  });

  test("an empty list admits no browser", () => {
    assert.equal(originAllowed([], upgrade({ origin: "https://app.example", host: "app.example" })), false);
  });

  test("any admits every origin", () => {
    assert.equal(
      originAllowed("any", upgrade({ origin: "https://evil.example", host: "app.example" })),
      true,
    );
  });

  test("admits a request without Origin: non-browser clients cannot be protected by it", () => {
    assert.equal(originAllowed("same-origin", upgrade({ host: "app.example" })), true);
    assert.equal(originAllowed([], upgrade({ host: "app.example" })), true);
  });
});
