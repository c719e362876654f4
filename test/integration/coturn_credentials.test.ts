import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { iceConfiguration, turnCredential } from "../../src/identity/turn_credentials.js";
import { coturnInSuite } from "../support/coturn.js";
import { stunAnswers, turnAllocate } from "../support/stun.js";

// The credentials the server mints, against a real coturn (`use-auth-secret`) started inside the
// netns-run namespace on 10.233.0.1: run this file through ../shared/tools/netns-run.

describe("minted TURN credentials at a real coturn", () => {
  const turn = coturnInSuite("coturn-secret-for-credentials");

  test("allocates a relay with a credential minted for a peer", async () => {
    const { coturn } = turn;
    const ice = { turnUrls: [coturn.url], turnSecret: coturn.secret, turnTtlSeconds: 120 };
    const server = iceConfiguration(ice, "alice").iceServers[0]!;
    const result = await turnAllocate(
      coturn.host,
      coturn.port,
      String(server.username),
      String(server.credential),
    );
    assert.equal(result.allocated, true, JSON.stringify(result));
  });

  test("refuses an expired credential with 401", async () => {
    const { coturn } = turn;
    const expired = turnCredential(coturn.secret, "alice", { ttlSeconds: 60, nowMs: Date.now() - 120_000 });
    const result = await turnAllocate(coturn.host, coturn.port, expired.username, expired.credential);
    assert.deepEqual(result, { allocated: false, code: 401 });
  });

  test("refuses a forged credential (another secret, another peer's, a changed expiry) with 401", async () => {
    const { coturn } = turn;
    const forged = turnCredential("not-the-secret", "mallory", { ttlSeconds: 600 });
    assert.deepEqual(await turnAllocate(coturn.host, coturn.port, forged.username, forged.credential), {
      allocated: false,
      code: 401,
    });
    const alice = turnCredential(coturn.secret, "alice", { ttlSeconds: 600 });
    assert.deepEqual(await turnAllocate(coturn.host, coturn.port, "9999999999:alice", alice.credential), {
      allocated: false,
      code: 401,
    });
    assert.deepEqual(
      await turnAllocate(coturn.host, coturn.port, alice.username.replace("alice", "bob"), alice.credential),
      {
        allocated: false,
        code: 401,
      },
    );
  });

  test("answers nothing once stopped, and allocates again once started", async () => {
    const { coturn } = turn;
    await coturn.kill();
    assert.equal(await stunAnswers(coturn.host, coturn.port), false);
    await coturn.start();
    const minted = turnCredential(coturn.secret, "alice", { ttlSeconds: 600 });
    assert.equal(
      (await turnAllocate(coturn.host, coturn.port, minted.username, minted.credential)).allocated,
      true,
    );
  });
});
