import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkIceOptions,
  iceConfiguration,
  iceDefaults,
  turnCredential,
} from "../../src/identity/turn_credentials.js";

// Known vectors, computed once outside this code with
//   printf '%s' "1700000000:alice" | openssl dgst -sha1 -hmac "north-sea-secret" -binary | base64
const SECRET = "north-sea-secret";
const VECTORS = [
  {
    nowMs: 1_699_996_400_000,
    ttl: 3600,
    peer: "alice",
    username: "1700000000:alice",
    credential: "Or2+y4pClBAA8mU3e93KEtAPsJs=",
  },
  {
    nowMs: 1_893_455_940_500,
    ttl: 60,
    peer: "peer-42",
    username: "1893456000:peer-42",
    credential: "HXAvAJP08qCANOCrnT+KMtoHMPA=",
  },
];

describe("TURN REST credentials (coturn use-auth-secret)", () => {
  test("mints username <expiry>:<peer> and base64 HMAC-SHA1 of it, as coturn computes them", () => {
    for (const { nowMs, ttl, peer, username, credential } of VECTORS) {
      const minted = turnCredential(SECRET, peer, { ttlSeconds: ttl, nowMs });
      assert.deepEqual(minted, { username, credential, expiresAt: Number(username.split(":")[0]) });
    }
  });

  test("binds the credential to the secret", () => {
    const minted = turnCredential("another secret", "alice", { ttlSeconds: 3600, nowMs: 1_699_996_400_000 });
    assert.equal(minted.credential, "OCJ2Sr6hFJU/Z9BDRTrOORXOl7Y=");
  });

  test("expires ttlSeconds after now, by default an hour", () => {
    const nowMs = 1_700_000_000_999;
    assert.equal(
      turnCredential(SECRET, "a", { nowMs }).expiresAt,
      1_700_000_000 + iceDefaults.turnTtlSeconds,
    );
    assert.equal(turnCredential(SECRET, "a", { nowMs, ttlSeconds: 120 }).expiresAt, 1_700_000_120);
  });

  test("hands each page STUN, TURN with its own credential, the policy and the expiry, never the secret", () => {
    const ice = {
      stunUrls: ["stun:10.233.0.1:3478"],
      turnUrls: ["turn:10.233.0.1:3478?transport=udp"],
      turnSecret: SECRET,
      transportPolicy: "relay" as const,
    };
    const config = iceConfiguration(ice, "alice", 1_699_996_400_000);
    assert.deepEqual(config, {
      iceServers: [
        { urls: ["stun:10.233.0.1:3478"] },
        {
          urls: ["turn:10.233.0.1:3478?transport=udp"],
          username: "1700000000:alice",
          credential: "Or2+y4pClBAA8mU3e93KEtAPsJs=",
        },
      ],
      iceTransportPolicy: "relay",
      expiresAt: 1_700_000_000_000,
    });
    assert.ok(!JSON.stringify(config).includes(SECRET));
    const bob = iceConfiguration(ice, "bob", 1_699_996_400_000);
    assert.notEqual(bob.iceServers[1]!.credential, config.iceServers[1]!.credential);
  });

  test("hands out no TURN and no expiry without TURN URLs", () => {
    assert.deepEqual(iceConfiguration({}, "alice"), {
      iceServers: [],
      iceTransportPolicy: "all",
      expiresAt: null,
    });
    assert.deepEqual(iceConfiguration({ stunUrls: ["stun:s:3478"] }, "alice").iceServers, [
      { urls: ["stun:s:3478"] },
    ]);
  });

  test("refuses a TURN URL without a secret, a secret without a URL and other mistakes, naming them", () => {
    const cases: [Parameters<typeof checkIceOptions>[0], RegExp][] = [
      [{ turnUrls: ["turn:t:3478"] }, /TURN URL "turn:t:3478" needs a TURN secret/],
      [{ turnSecret: "s" }, /needs at least one TURN URL/],
      [{ turnUrls: ["http://t"], turnSecret: "s" }, /must start with turn: or turns:, got "http:\/\/t"/],
      [{ stunUrls: ["turn:t"] }, /must start with stun: or stuns:/],
      [
        { turnUrls: ["turn:t"], turnSecret: "s", turnTtlSeconds: 5 },
        /turnTtlSeconds must be at least 60, got 5/,
      ],
      [{ transportPolicy: "relay" }, /"relay" needs TURN URLs/],
      [{ transportPolicy: "none" as never }, /must be "all" or "relay", got "none"/],
    ];
    for (const [options, message] of cases) assert.throws(() => checkIceOptions(options), message);
  });
});
