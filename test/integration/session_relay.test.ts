import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Registry } from "prom-client";
import { relayDefaults } from "../../src/channels/relay_budget.js";
import { relayMetricNames, relayMetrics } from "../../src/server/relay_metrics.js";
import { isError, isReadyOf, startSessions } from "../support/signaling_peers.js";

// `relay`: session data through the server between the host and a member (issue 15), on a real
// cable with the official Rails client. A frame that must not arrive is followed by one that must,
// from the same sender: the server relays one subscription's actions in order, so once the second
// is there the first would be too.

const isRelay = (m: Record<string, unknown>) => m.type === "relay";
const frame = (seq: number, data = `AQ${seq}`) => ({ join: "j1", seq, data });

describe("SignalingChannel relay", () => {
  test("announces its relay limits in every ready", async (t) => {
    const { joined } = await startSessions(t, { relay: { maxBytes: 1024 } });
    const ann = await joined("s1", "ann");
    assert.deepEqual(ann.messages[0]!.relay, { ...relayDefaults, maxBytes: 1024 });
  });

  test("relays frames between a member and the host only, with from stamped from the token", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    bob.perform("relay", { to: "ann", from: "cy", ...frame(0) });
    ann.perform("relay", { to: "cy", ...frame(0, "AWhp") });
    assert.deepEqual(await ann.next(isRelay, "bob's frame"), {
      type: "relay",
      from: "bob",
      join: "j1",
      seq: 0,
      data: "AQ0",
    });
    assert.deepEqual(await cy.next(isRelay, "the host's frame"), {
      type: "relay",
      from: "ann",
      join: "j1",
      seq: 0,
      data: "AWhp",
    });
    bob.perform("relay", { to: "cy", ...frame(1) });
    const error = await bob.next(isError, "signal_forbidden");
    assert.equal(error.reason, "signal_forbidden");
    assert.match(String(error.message), /may relay only to the host of session "s1" \("ann"\), not "cy"/);
    assert.deepEqual(
      [ann, bob, cy].map((p) => p.all(isRelay).length),
      [1, 0, 1],
    );
  });

  test("relays to a member that joined a moment ago", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    ann.perform("relay", { to: "bob", ...frame(0) });
    await bob.next(isRelay, "the frame to bob");
    const cy = await joined("s1", "cy");
    await ann.next(isReadyOf("cy"), "cy's ready at ann");
    ann.perform("relay", { to: "cy", ...frame(0) });
    assert.equal((await cy.next(isRelay, "the frame to cy")).from, "ann");
    assert.equal(ann.all(isError).length, 0);
  });

  test("relays between a new host and a member right after the session was reset", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    bob.perform("relay", { to: "ann", ...frame(0) });
    await ann.next(isRelay, "bob's frame to the first host");
    ann.perform("leave");
    await bob.next((m) => m.type === "host-left", "host-left");
    assert.equal((await bob.join()).host, "bob");
    await cy.join();
    bob.perform("relay", { to: "cy", ...frame(0) });
    assert.equal((await cy.next(isRelay, "the new host's frame")).from, "bob");
    assert.equal(bob.all(isError).length, 0);
  });

  test("refuses a frame to a peer that left with unknown_peer, naming the frame", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    bob.perform("leave");
    await ann.next((m) => m.type === "peer-left", "bob's peer-left");
    ann.perform("relay", { to: "bob", ...frame(4) });
    const error = await ann.next(isError, "unknown_peer");
    assert.deepEqual([error.reason, error.to, error.seq], ["unknown_peer", "bob", 4]);
    assert.equal(bob.all(isRelay).length, 0);
  });

  test("refuses a frame over maxBytes with relay_too_large to the sender only, naming it", async (t) => {
    const { joined } = await startSessions(t, { relay: { maxBytes: 8 } });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    bob.perform("relay", { to: "ann", ...frame(0, "A".repeat(9)) });
    bob.perform("relay", { to: "ann", ...frame(1, "A".repeat(8)) });
    const error = await bob.next(isError, "relay_too_large");
    assert.equal(error.reason, "relay_too_large");
    assert.deepEqual([error.to, error.seq], ["ann", 0]);
    assert.match(String(error.message), /9 characters is over the server's 8/);
    assert.equal((await ann.next(isRelay, "the frame that fits")).seq, 1);
    assert.deepEqual(
      ann.all(isRelay).map((m) => m.seq),
      [1],
    );
    assert.equal(ann.all(isError).length, 0);
  });

  test("refuses frames over the rate with relay_limited; other senders go on", async (t) => {
    const { joined } = await startSessions(t, {
      relay: { messageBurst: 2, messagesPerSecond: 0.001 },
    });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    for (const seq of [0, 1, 2]) bob.perform("relay", { to: "ann", ...frame(seq) });
    const error = await bob.next(isError, "relay_limited");
    assert.equal(error.reason, "relay_limited");
    assert.deepEqual([error.to, error.seq], ["ann", 2]);
    cy.perform("relay", { to: "ann", ...frame(0) });
    await ann.next((m) => isRelay(m) && m.from === "cy", "cy's frame");
    assert.deepEqual(
      ann.all(isRelay).map((m) => `${m.from}:${m.seq}`),
      ["bob:0", "bob:1", "cy:0"],
    );
    // The host's own budget is per member: relaying to bob leaves its budget to cy whole.
    ann.perform("relay", { to: "bob", ...frame(0) });
    ann.perform("relay", { to: "bob", ...frame(1) });
    ann.perform("relay", { to: "cy", ...frame(0) });
    await cy.next(isRelay, "the host's frame to cy");
    assert.equal(bob.all(isRelay).length, 2);
    assert.equal(ann.all(isError).length + cy.all(isError).length, 0);
  });

  test("refuses frames over the byte rate with relay_limited", async (t) => {
    const { joined } = await startSessions(t, {
      relay: { maxBytes: 10, byteBurst: 25, bytesPerSecond: 0.001 },
    });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    for (const seq of [0, 1, 2]) bob.perform("relay", { to: "ann", ...frame(seq, "A".repeat(10)) });
    const error = await bob.next(isError, "relay_limited");
    assert.deepEqual([error.reason, error.seq], ["relay_limited", 2]);
    bob.perform("relay", { to: "ann", ...frame(3, "AAAA") });
    await ann.next((m) => m.seq === 3, "the small frame that fits the rest of the bucket");
    assert.deepEqual(
      ann.all(isRelay).map((m) => m.seq),
      [0, 1, 3],
    );
  });

  test("with relay: false announces none, refuses relay_disabled and relays nothing", async (t) => {
    const { joined } = await startSessions(t, { relay: false });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    assert.equal("relay" in ann.messages[0]!, false);
    bob.perform("relay", { to: "ann", ...frame(0) });
    const error = await bob.next(isError, "relay_disabled");
    assert.equal(error.reason, "relay_disabled");
    bob.perform("signal", { to: "ann", signal: { type: "candidate", candidate: null } });
    await ann.next((m) => m.type === "signal", "the signal after it");
    assert.equal(ann.all(isRelay).length, 0);
  });

  test("refuses a relay from a subscriber that has not joined, and malformed frames", async (t) => {
    const { joined, connect } = await startSessions(t);
    await joined("s1", "ann");
    const bob = await connect("s1", "bob");
    bob.perform("relay", { to: "ann", ...frame(0) });
    assert.equal((await bob.next(isError, "not_joined")).reason, "not_joined");
    await bob.join();
    bob.perform("relay", { to: "ann", join: "j1", seq: -1, data: "AQ" });
    const bad = await bob.next(isError, "invalid_message", 2);
    assert.deepEqual(
      [bad.reason, bad.message],
      ["invalid_message", 'relay "seq" must not be negative, got -1'],
    );
    bob.perform("relay", { to: "ann", join: "j1", seq: 0, data: 5 });
    const noData = await bob.next(isError, "invalid_message", 3);
    assert.equal(noData.message, 'relay needs "data": a string, got 5');
  });

  test("counts relayed and refused frames for /metrics", async (t) => {
    const registry = new Registry();
    const { joined } = await startSessions(t, {
      relay: { maxBytes: 8, observer: relayMetrics(registry) },
    });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    bob.perform("relay", { to: "ann", ...frame(0, "AAAA") });
    bob.perform("relay", { to: "ann", ...frame(1, "A".repeat(9)) });
    await bob.next(isError, "relay_too_large");
    await ann.next(isRelay, "the frame");
    const text = await registry.metrics();
    assert.match(text, new RegExp(`^${relayMetricNames.relayed} 1$`, "m"));
    assert.match(text, new RegExp(`^${relayMetricNames.relayedBytes} 4$`, "m"));
    assert.match(text, new RegExp(`^${relayMetricNames.refused}\\{reason="relay_too_large"\\} 1$`, "m"));
  });
});
