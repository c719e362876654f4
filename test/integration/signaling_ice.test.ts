import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { isError, isReadyOf, type Message, startSessions } from "../support/signaling_peers.js";

// SignalingChannel with `ice`: every page gets TURN credentials of its own (coturn's
// use-auth-secret scheme) with each join and on `ice_servers`; the secret never goes out.

const SECRET = "channel-turn-secret";
const ice = {
  stunUrls: ["stun:10.233.0.1:3478"],
  turnUrls: ["turn:10.233.0.1:3478?transport=udp"],
  turnSecret: SECRET,
  turnTtlSeconds: 600,
};
const isIce = (m: Message) => m.type === "ice-servers";

function checkCredential(message: Message, peerId: string, ttlSeconds: number): void {
  const [stun, turn] = message.iceServers as RTCIceServer[];
  assert.deepEqual(stun, { urls: ice.stunUrls });
  assert.deepEqual(turn!.urls, ice.turnUrls);
  const [expiry, who] = String(turn!.username).split(":");
  assert.equal(who, peerId);
  const now = Date.now() / 1000;
  assert.ok(Math.abs(Number(expiry) - (now + ttlSeconds)) < 5, `expiry ${expiry} about ${ttlSeconds} s away`);
  assert.equal(message.expiresAt, Number(expiry) * 1000);
  const expected = createHmac("sha1", SECRET).update(String(turn!.username)).digest("base64");
  assert.equal(turn!.credential, expected);
  assert.equal(message.iceTransportPolicy, "all");
  assert.ok(!JSON.stringify(message).includes(SECRET), "the secret stays on the server");
}

describe("SignalingChannel with ice", () => {
  test("hands each joining peer credentials of its own, before its ready, and to nobody else", async (t) => {
    const { joined } = await startSessions(t, { ice });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const annIce = ann.all(isIce);
    assert.equal(annIce.length, 1, "ann got hers only");
    checkCredential(annIce[0]!, "ann", ice.turnTtlSeconds);
    const bobIce = bob.all(isIce);
    assert.equal(bobIce.length, 1);
    checkCredential(bobIce[0]!, "bob", ice.turnTtlSeconds);
    assert.ok(
      bob.messages.indexOf(bobIce[0]!) < bob.messages.findIndex(isReadyOf("bob")),
      "the credentials come before the ready",
    );
  });

  test("answers ice_servers with fresh credentials, and refuses data with it", async (t) => {
    const { joined } = await startSessions(t, { ice });
    const ann = await joined("s1", "ann");
    ann.perform("ice_servers");
    const fresh = await ann.next(isIce, "the refreshed credentials", 2);
    checkCredential(fresh, "ann", ice.turnTtlSeconds);
    ann.perform("ice_servers", { peer: "bob" });
    const error = await ann.next(isError, "the invalid_message error");
    assert.equal(error.reason, "invalid_message");
    assert.match(String(error.message), /ice_servers takes no data, got "peer"/);
  });

  test("sends no ice-servers without ice, and refuses a TURN URL without a secret at creation", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    ann.perform("ice_servers");
    ann.perform("join");
    await ann.next(isReadyOf("ann"), "the second ready", 2);
    assert.equal(ann.all(isIce).length, 0);
    await assert.rejects(
      startSessions(t, { ice: { turnUrls: ["turn:t:3478"] } }),
      /TURN URL "turn:t:3478" needs a TURN secret/,
    );
  });
});
