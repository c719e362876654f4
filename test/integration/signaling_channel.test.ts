import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { relayDefaults } from "../../src/channels/relay_budget.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import { TEST_SECRET } from "../support/cable.js";
import {
  isError,
  isReadyOf,
  type Message,
  offer,
  startSessions,
  withoutJoinId,
} from "../support/signaling_peers.js";

describe("SignalingChannel", () => {
  test("tells the host and every joiner ready with the host, the joiner and the members", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    assert.deepEqual(ann.messages.map(withoutJoinId), [
      { type: "ready", host: "ann", peer: "ann", peers: ["ann"], relay: relayDefaults },
    ]);
    const bob = await joined("s1", "bob");
    const expected = { type: "ready", host: "ann", peer: "bob", peers: ["ann", "bob"], relay: relayDefaults };
    const atAnn = await ann.next(isReadyOf("bob"), "bob's ready");
    assert.deepEqual(withoutJoinId(atAnn), expected);
    assert.deepEqual(bob.messages, [atAnn], "the same ready, joinId included, to everyone");
    assert.match(String(atAnn.joinId), /^[0-9a-f-]{36}$/);
    assert.notEqual(atAnn.joinId, ann.messages[0]!.joinId);
  });

  test("joins a subscriber whose identifier says join: true as it subscribes: its ready comes right after the confirm", async (t) => {
    const { subscribe, token } = await startSessions(t);
    const ann = await subscribe("ann", token("s1", "ann"), { join: true });
    const own = await ann.next(isReadyOf("ann"), "ann's ready without a join performed");
    assert.equal(ann.beforeConfirm, 0, "nothing before the confirm: the ready was held until it");
    assert.deepEqual(withoutJoinId(own), {
      type: "ready",
      host: "ann",
      peer: "ann",
      peers: ["ann"],
      relay: relayDefaults,
    });
    const bob = await subscribe("bob", token("s1", "bob"), { join: true });
    const atBob = await bob.next(isReadyOf("bob"), "bob's ready");
    assert.deepEqual(atBob.peers, ["ann", "bob"]);
    assert.deepEqual(await ann.next(isReadyOf("bob"), "bob's ready at the host"), atBob);
    bob.perform("signal", { to: "ann", signal: offer });
    await ann.next((m) => m.type === "signal", "bob's offer: bob is a member");
    assert.equal(ann.all(isError).length + bob.all(isError).length, 0);
  });

  test("refuses an identifier whose join is not true, and a join on subscribe beyond maxPeers with session_full", async (t) => {
    const { subscribe, token, store } = await startSessions(t, { maxPeers: 1 });
    for (const join of [1, "yes", false]) {
      const peer = await subscribe("ann", token("s1", "ann"), { join });
      assert.equal(peer.rejected, true, `join ${JSON.stringify(join)} rejected`);
      assert.equal(peer.messages[0]!.reason, "invalid_params");
      assert.match(String(peer.messages[0]!.message), /join must be true/);
    }
    const extra = await subscribe("ann", token("s1", "ann"), { joins: true });
    assert.match(String(extra.messages[0]!.message), /takes only "channel", "token" and "join", got "joins"/);
    const ann = await subscribe("ann", token("s1", "ann"), { join: true });
    await ann.next(isReadyOf("ann"), "ann's ready");
    const bob = await subscribe("bob", token("s1", "bob"), { join: true });
    assert.equal(bob.connected, true, "the subscription stands: only its join is refused");
    const error = await bob.next(isError, "bob's session_full");
    assert.equal(error.reason, "session_full");
    assert.deepEqual(await store.peers("s1"), ["ann"]);
  });

  test("delivers a signal only to the addressed peer, with from stamped from the token", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    ann.perform("signal", { to: "bob", from: "cy", signal: { ...offer, from: "cy" } });
    ann.perform("signal", { to: "cy", signal: { type: "candidate", candidate: null } });
    const atBob = await bob.next((m) => m.type === "signal", "the offer");
    assert.deepEqual(atBob, { type: "signal", from: "ann", signal: offer });
    const atCy = await cy.next((m) => m.type === "signal", "the candidate");
    assert.deepEqual(atCy, { type: "signal", from: "ann", signal: { type: "candidate", candidate: null } });
    // The candidate was relayed after the offer: had the offer leaked to cy, it would be there first.
    assert.equal(cy.all((m) => m.type === "signal").length, 1);
    assert.equal(ann.all((m) => m.type === "signal").length, 0);
    assert.equal(bob.all(isError).length + ann.all(isError).length, 0);
  });

  test("refuses a signal to a peer of another session with unknown_peer and relays nothing", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const dan = await joined("s2", "dan");
    ann.perform("signal", { to: "dan", signal: offer });
    const error = await ann.next(isError, "the unknown_peer error");
    assert.equal(error.reason, "unknown_peer");
    assert.match(String(error.message), /Peer "dan" is not a member of session "s1"/);
    ann.perform("signal", { to: "dan", signal: offer });
    await ann.next(isError, "the second error", 2);
    assert.deepEqual(dan.messages.map(withoutJoinId), [
      { type: "ready", host: "dan", peer: "dan", peers: ["dan"], relay: relayDefaults },
    ]);
  });

  test("keeps session and peer streams apart even when a session id looks like a peer stream", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const eve = await joined("s1:peer:bob", "eve");
    ann.perform("signal", { to: "bob", signal: offer });
    await bob.next((m) => m.type === "signal", "the offer");
    eve.perform("join");
    await eve.next(isReadyOf("eve"), "eve's second ready", 2);
    assert.equal(eve.all((m) => m.type === "signal").length, 0);
  });

  test("refuses a signal from a subscriber that has not joined with not_joined", async (t) => {
    const { joined, connect } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await connect("s1", "bob");
    bob.perform("signal", { to: "ann", signal: offer });
    const error = await bob.next(isError, "the not_joined error");
    assert.equal(error.reason, "not_joined");
    assert.equal(ann.all((m) => m.type === "signal").length, 0);
  });

  test("rejects a forged, tampered, expired, malformed or wrong-purpose token with a reason", async (t) => {
    const { subscribe, signer, token } = await startSessions(t);
    const good = token("s1", "ann");
    const [, digest] = good.split("--") as [string, string];
    const tamperedData = Buffer.from(
      JSON.stringify({ v: { sessionId: "s1", peerId: "mallory" }, p: "session", e: 4e9 }),
    ).toString("base64");
    const past = new Signer(TEST_SECRET, { now: () => Date.now() - 13 * 3600_000 });
    const cases: Array<[string, string, string]> = [
      [
        "forged",
        signSessionToken(new Signer("another-secret-0123456789"), { sessionId: "s1", peerId: "ann" }),
        "invalid_token",
      ],
      ["tampered", `${tamperedData}--${digest}`, "invalid_token"],
      ["expired", signSessionToken(past, { sessionId: "s1", peerId: "ann" }), "expired_token"],
      ["room purpose", signer.sign({ sessionId: "s1", peerId: "ann" }, { purpose: "room" }), "invalid_token"],
      ["no purpose", signer.sign({ sessionId: "s1", peerId: "ann" }), "invalid_token"],
      ["no peer id", signer.sign({ sessionId: "s1" }, { purpose: "session" }), "invalid_token"],
      ["not a string", 42 as unknown as string, "invalid_token"],
    ];
    for (const [name, bad, reason] of cases) {
      const peer = await subscribe("mallory", bad);
      assert.equal(peer.rejected, true, `${name} token rejected`);
      assert.equal(peer.messages.length, 1, `${name}: one error before the rejection`);
      assert.equal(peer.messages[0]!.type, "error");
      assert.equal(peer.messages[0]!.reason, reason, `${name}: ${JSON.stringify(peer.messages[0])}`);
    }
  });

  test("refuses a join beyond maxPeers with session_full to that client only", async (t) => {
    const { joined, connect, store } = await startSessions(t, { maxPeers: 2 });
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await connect("s1", "cy");
    cy.perform("join");
    const error = await cy.next(isError, "the session_full error");
    assert.equal(error.reason, "session_full");
    assert.match(String(error.message), /Session "s1" is full \(maxPeers 2\)/);
    bob.perform("signal", { to: "ann", signal: offer });
    await ann.next((m) => m.type === "signal", "bob's offer after cy's refusal");
    assert.deepEqual(
      ann.all((m) => m.type !== "signal").map((m) => m.peer),
      ["ann", "bob"],
    );
    assert.equal(ann.all(isError).length + bob.all(isError).length, 0);
    assert.deepEqual(await store.peers("s1"), ["ann", "bob"]);
  });

  test("resets the session when the host unsubscribes, and the first to join again is host", async (t) => {
    const { joined, store } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    ann.subscription.unsubscribe();
    assert.deepEqual(await bob.next((m) => m.type === "host-left", "host-left"), {
      type: "host-left",
      host: "ann",
    });
    await cy.next((m) => m.type === "host-left", "host-left");
    assert.deepEqual(await store.peers("s1"), []);
    assert.deepEqual(withoutJoinId(await cy.join()), {
      type: "ready",
      host: "cy",
      peer: "cy",
      peers: ["cy"],
      relay: relayDefaults,
    });
    assert.deepEqual(withoutJoinId(await bob.join()), {
      type: "ready",
      host: "cy",
      peer: "bob",
      peers: ["cy", "bob"],
      relay: relayDefaults,
    });
  });

  test("tells the others peer-left when a member unsubscribes or leaves", async (t) => {
    const { joined, store } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    bob.subscription.unsubscribe();
    assert.deepEqual(await ann.next((m) => m.type === "peer-left", "bob left"), {
      type: "peer-left",
      peer: "bob",
    });
    await cy.next((m) => m.type === "peer-left", "bob left");
    cy.perform("leave");
    assert.deepEqual(await ann.next((m) => m.type === "peer-left", "cy left", 2), {
      type: "peer-left",
      peer: "cy",
    });
    assert.deepEqual(await store.peers("s1"), ["ann"]);
  });

  test("keeps a detached member after it unsubscribes, so signals to it are still accepted", async (t) => {
    const { joined, store, logger } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    bob.perform("detach");
    bob.consumer.disconnect();
    const closed = await logger.waitFor("session subscription closed");
    assert.equal(closed.details?.left, false);
    ann.perform("signal", { to: "bob", signal: offer });
    ann.perform("signal", { to: "nobody", signal: offer });
    const error = await ann.next(isError, "the marker error");
    assert.match(String(error.message), /"nobody"/, "the signal to detached bob was accepted");
    assert.equal(ann.all((m) => m.type === "peer-left").length, 0);
    assert.deepEqual(await store.peers("s1"), ["ann", "bob"]);
  });

  test("refuses drop from a peer that is not the host, and lets the host drop a member", async (t) => {
    const { joined, store } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    bob.perform("drop", { peer: "cy" });
    const error = await bob.next(isError, "the not_host error");
    assert.equal(error.reason, "not_host");
    assert.deepEqual(await store.peers("s1"), ["ann", "bob", "cy"]);
    ann.perform("drop", { peer: "cy" });
    assert.deepEqual(await bob.next((m) => m.type === "peer-left", "cy dropped"), {
      type: "peer-left",
      peer: "cy",
    });
    await cy.next((m) => m.type === "peer-left", "cy dropped");
    assert.deepEqual(await store.peers("s1"), ["ann", "bob"]);
  });

  test("refuses malformed actions with invalid_message to the caller only", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const bad: Array<[string, Message, RegExp]> = [
      ["signal", { signal: offer }, /signal needs "to": a peer id, got nothing/],
      ["signal", { to: "x".repeat(201), signal: offer }, /signal needs "to"/],
      ["signal", { to: "bob" }, /signal needs "signal": an object/],
      [
        "signal",
        { to: "bob", signal: { type: "bogus" } },
        /signal type must be "offer", "answer" or "candidate"/,
      ],
      ["signal", { to: "bob", signal: { type: "offer", sdp: 7 } }, /offer needs "sdp"/],
      ["signal", { to: "bob", signal: { type: "answer", sdp: "x".repeat(40_000) } }, /answer needs "sdp"/],
      [
        "signal",
        { to: "bob", signal: { type: "candidate", candidate: { candidate: 1 } } },
        /candidate\.candidate/,
      ],
      ["signal", { to: "ann", signal: offer }, /cannot signal itself/],
      ["join", { peerId: "mallory" }, /join takes only "resume", got "peerId"/],
      ["join", { resume: "yes" }, /join "resume" must be true, got "yes"/],
      ["drop", { peer: ["cy"] }, /drop needs "peer"/],
    ];
    for (const [action, data] of bad) ann.perform(action, data);
    await ann.next(isError, "the last error", bad.length);
    const errors = ann.all(isError);
    bad.forEach(([action, , pattern], i) => {
      assert.equal(errors[i]!.reason, "invalid_message", `${action} #${i}`);
      assert.match(String(errors[i]!.message), pattern);
    });
    assert.equal(bob.all((m) => m.type === "signal" || isError(m)).length, 0);
  });
  test("refuses a signal between two members with signal_forbidden, either way, and relays nothing", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const cy = await joined("s1", "cy");
    bob.perform("signal", { to: "cy", signal: offer });
    const error = await bob.next(isError, "the signal_forbidden error");
    assert.equal(error.reason, "signal_forbidden");
    assert.match(
      String(error.message),
      /Peer "bob" may signal only the host of session "s1" \("ann"\), not "cy"/,
    );
    cy.perform("signal", { to: "bob", signal: { type: "candidate", candidate: null } });
    assert.equal((await cy.next(isError, "cy's signal_forbidden error")).reason, "signal_forbidden");
    // Host and member still talk, both ways; had a member's signal leaked, it would be there first.
    bob.perform("signal", { to: "ann", signal: offer });
    assert.equal((await ann.next((m) => m.type === "signal", "bob's offer at ann")).from, "bob");
    ann.perform("signal", { to: "cy", signal: offer });
    assert.equal((await cy.next((m) => m.type === "signal", "ann's offer at cy")).from, "ann");
    assert.equal(bob.all((m) => m.type === "signal").length, 0);
    assert.equal(cy.all((m) => m.type === "signal").length, 1);
    assert.equal(ann.all(isError).length, 0);
  });

  test("echoes join { resume: true } in ready, and a plain join has no resume", async (t) => {
    const { joined } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    assert.equal("resume" in bob.messages[0]!, false);
    const again = await bob.join({ resume: true });
    assert.deepEqual(withoutJoinId(again), {
      type: "ready",
      host: "ann",
      peer: "bob",
      peers: ["ann", "bob"],
      relay: relayDefaults,
      resume: true,
    });
    assert.deepEqual(await ann.next(isReadyOf("bob"), "bob's second ready at ann", 2), again);
  });

  test("ignores a drop of a membership the peer has replaced by joining again, or of a non-member", async (t) => {
    const { joined, store } = await startSessions(t);
    const ann = await joined("s1", "ann");
    const bob = await joined("s1", "bob");
    const first = bob.messages[0]!.joinId;
    const second = (await bob.join()).joinId;
    assert.notEqual(first, second);
    ann.perform("drop", { peer: "bob", joinId: first });
    ann.perform("drop", { peer: "nobody" });
    // Actions of one subscription run in order: once this error is back, both drops were handled.
    ann.perform("signal", { to: "nobody", signal: offer });
    assert.equal((await ann.next(isError, "the marker error")).reason, "unknown_peer");
    assert.equal(ann.all(isError).length, 1, "a stale drop is no error");
    assert.deepEqual(await store.peers("s1"), ["ann", "bob"]);
    ann.perform("drop", { peer: "bob", joinId: second });
    assert.deepEqual(await bob.next((m) => m.type === "peer-left", "bob dropped"), {
      type: "peer-left",
      peer: "bob",
    });
    assert.equal(ann.all((m) => m.type === "peer-left").length, 1);
    assert.deepEqual(await store.peers("s1"), ["ann"]);
  });
});
