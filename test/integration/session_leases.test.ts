import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { createSignalingChannel } from "../../src/channels/signaling_channel.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import type { PubSub } from "../../src/pubsub/adapter.js";
import { RedisPubSub } from "../../src/pubsub/redis.js";
import type { SessionStore } from "../../src/store/adapter.js";
import { MemorySessionStore } from "../../src/store/memory.js";
import { RedisSessionStore } from "../../src/store/redis.js";
import { recordingLogger, startCable } from "../support/cable.js";
import { type Frame, RawSubscription, tokenIdentifier } from "../support/raw_session.js";
import { sharedRedis } from "../support/redis.js";

// Faults the leases of docs/protocol.md ("Leases", "One subscription per peer") are for, played
// with bare sockets: a socket that dies without a word (terminate), a second tab, a node that goes.

const offer = { type: "offer", sdp: "v=0\r\n" };
/** Beyond `leaseMs + leaseMs / 4`: the timers and Redis round trips of a loaded test machine. */
const SLACK_MS = 500;
const isError = (m: Frame) => m.type === "error";
const isHostLeft = (m: Frame) => m.type === "host-left";
const isReadyOf = (peer: string) => (m: Frame) => m.type === "ready" && m.peer === peer;

/** A cable with `SignalingChannel` on `store` (memory by default), and joined members on it. */
async function startNode(
  t: TestContext,
  options: { leaseMs: number; store?: SessionStore; pubsub?: PubSub },
) {
  const store = options.store ?? new MemorySessionStore();
  const logger = recordingLogger();
  const channels = [createSignalingChannel({ store, leaseMs: options.leaseMs })];
  const running = await startCable(t, {
    channels,
    logger,
    ...(options.pubsub && { pubsub: options.pubsub }),
  });
  const subscriptions: RawSubscription[] = [];
  t.after(() => {
    for (const sub of subscriptions) sub.client.close();
  });
  /** A confirmed subscription of its own socket that has joined, with the `ready` it got. */
  const member = async (sessionId: string, peerId: string, data: Frame = {}) => {
    const token = signSessionToken(running.cable.signer, { sessionId, peerId });
    const { sub, outcome } = await RawSubscription.open(
      running.url,
      tokenIdentifier("SignalingChannel", token),
    );
    subscriptions.push(sub);
    assert.equal(outcome, "confirmed");
    sub.perform("join", data);
    const ready = await sub.next(isReadyOf(peerId), `ready of ${peerId}`);
    return Object.assign(sub, { ready });
  };
  return { ...running, store, logger, member };
}

/** Resolves once `ms` have passed since `since` (a `performance.now()`): to wait past a lease's end. */
async function past(since: number, ms: number): Promise<void> {
  while (performance.now() < since + ms) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, since + ms - performance.now())));
  }
}

/** Polls `probe` until it holds, failing with `description` after `timeoutMs`. */
async function eventually(probe: () => Promise<boolean>, description: string, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("one subscription per peer", () => {
  test("replaces the first subscription when a second one of the same peer joins, and nobody else notices", async (t) => {
    const { member, store, logger } = await startNode(t, { leaseMs: 4000 });
    const ann = await member("s1", "ann");
    const bob = await member("s1", "bob");
    const tab = await member("s1", "ann");
    assert.deepEqual([tab.ready.host, tab.ready.peers], ["ann", ["ann", "bob"]]);
    const error = await ann.next(isError, "the replaced error at the first subscription");
    assert.equal(error.reason, "replaced");
    assert.match(String(error.message), /Another subscription joined session "s1" as peer "ann"/);

    for (const action of ["signal", "drop", "detach", "leave", "join"]) {
      ann.perform(action, action === "signal" ? { to: "bob", signal: offer } : {});
    }
    for (const action of ["signal", "drop", "detach", "leave", "join"]) {
      assert.equal((await ann.next(isError, `the refusal of ${action}`)).reason, "replaced", action);
    }
    assert.deepEqual(
      ann.data(isError).map((m) => m.reason),
      Array(6).fill("replaced"),
    );
    ann.client.send({ command: "unsubscribe", identifier: ann.id });
    const closed = await logger.waitFor("session subscription closed");
    assert.deepEqual(closed.details, {
      connection: closed.details?.connection,
      cause: "unsubscribe",
      left: false,
    });
    ann.client.close();
    await ann.client.closed;

    bob.perform("signal", { to: "ann", signal: offer });
    assert.equal((await tab.next((m) => m.type === "signal", "bob's offer at the new tab")).from, "bob");
    tab.perform("signal", { to: "bob", signal: offer });
    assert.equal((await bob.next((m) => m.type === "signal", "the tab's offer at bob")).from, "ann");
    assert.equal(ann.data((m) => m.type === "signal").length, 0);
    assert.deepEqual(await store.peers("s1"), ["ann", "bob"]);
    assert.deepEqual(
      bob.data((m) => isError(m) || isHostLeft(m) || m.type === "peer-left"),
      [],
      "bob saw no error, no host-left, no peer-left",
    );
  });
});

describe("leases", () => {
  test("keeps the host when its socket dies and it joins again within the lease", async (t) => {
    const leaseMs = 1500;
    const { member, store, logger } = await startNode(t, { leaseMs });
    const ann = await member("s1", "ann");
    const bob = await member("s1", "bob");
    ann.client.socket.terminate();
    const closed = await logger.waitFor("session subscription closed");
    const since = performance.now();
    assert.deepEqual([closed.details?.cause, closed.details?.left], ["disconnect", false]);
    const back = await member("s1", "ann", { resume: true });
    assert.deepEqual([back.ready.host, back.ready.peers, back.ready.resume], ["ann", ["ann", "bob"], true]);
    await bob.next(isReadyOf("ann"), "ann's second ready at bob");
    await past(since, leaseMs * 1.5);
    assert.equal(await store.host("s1"), "ann", "still host past the old lease's end");
    assert.deepEqual(bob.data(isHostLeft), []);
    bob.perform("signal", { to: "ann", signal: offer });
    await back.next((m) => m.type === "signal", "bob's offer at ann's new subscription");
  });

  test("tells the members host-left within leaseMs + leaseMs/4 when the host's socket dies for good", async (t) => {
    const leaseMs = 1000;
    const { member } = await startNode(t, { leaseMs });
    const ann = await member("s1", "ann");
    const bob = await member("s1", "bob");
    const cy = await member("s1", "cy");
    ann.client.socket.terminate();
    const since = performance.now();
    assert.deepEqual(await bob.next(isHostLeft, "host-left at bob"), { type: "host-left", host: "ann" });
    const took = performance.now() - since;
    assert.ok(took <= leaseMs + leaseMs / 4 + SLACK_MS, `host-left after ${took.toFixed(0)} ms`);
    await cy.next(isHostLeft, "host-left at cy");
    bob.perform("join");
    const ready = await bob.next(isReadyOf("bob"), "bob's ready as host");
    assert.deepEqual([ready.host, ready.peers], ["bob", ["bob"]]);
    cy.perform("join");
    assert.deepEqual((await cy.next(isReadyOf("cy"), "cy's ready")).peers, ["bob", "cy"]);
    assert.equal(bob.data(isHostLeft).length + cy.data(isHostLeft).length, 2, "one host-left each");
  });

  test("removes a member whose socket died once its lease lapsed, silently", async (t) => {
    const leaseMs = 400;
    const { member, store } = await startNode(t, { leaseMs });
    const ann = await member("s1", "ann");
    const bob = await member("s1", "bob");
    bob.client.socket.terminate();
    await eventually(async () => !(await store.peers("s1")).includes("bob"), "bob's lease to lapse");
    ann.perform("signal", { to: "bob", signal: offer });
    assert.equal((await ann.next(isError, "the unknown_peer error")).reason, "unknown_peer");
    assert.deepEqual(
      ann.data((m) => m.type === "peer-left" || isHostLeft(m)),
      [],
    );
  });
});

describe("sessions over two cable servers sharing Redis", () => {
  const shared = sharedRedis();

  async function twoNodes(t: TestContext, leaseMs: number) {
    const redis = await shared.get(t);
    if (!redis) return null;
    const node = async () => {
      const pubsub = new RedisPubSub({ url: redis.url });
      const store = new RedisSessionStore({ url: redis.url });
      t.after(() => Promise.all([pubsub.close(), store.close()]));
      return startNode(t, { leaseMs, store, pubsub });
    };
    return { a: await node(), b: await node() };
  }

  test("keeps the host that comes back on the other node within the lease", async (t) => {
    const nodes = await twoNodes(t, 1500);
    if (!nodes) return;
    const { a, b } = nodes;
    const ann = await b.member("s-blip", "ann");
    const bob = await a.member("s-blip", "bob");
    ann.client.socket.terminate();
    const since = performance.now();
    const back = await a.member("s-blip", "ann", { resume: true });
    assert.deepEqual([back.ready.host, back.ready.peers], ["ann", ["ann", "bob"]]);
    await bob.next(isReadyOf("ann"), "ann's second ready at bob");
    await past(since, 1500 * 1.5);
    assert.equal(await a.store.host("s-blip"), "ann");
    assert.deepEqual(bob.data(isHostLeft), []);
  });

  test("hands the session to a member on node A when the host's node B closes without a leave", async (t) => {
    const leaseMs = 1000;
    const nodes = await twoNodes(t, leaseMs);
    if (!nodes) return;
    const { a, b } = nodes;
    await b.member("s-crash", "ann");
    const bob = await a.member("s-crash", "bob");
    assert.deepEqual(bob.ready.peers, ["ann", "bob"]);
    await b.cable.close();
    const since = performance.now();
    assert.deepEqual(await bob.next(isHostLeft, "host-left at bob"), { type: "host-left", host: "ann" });
    const took = performance.now() - since;
    assert.ok(took <= leaseMs + leaseMs / 4 + SLACK_MS, `host-left after ${took.toFixed(0)} ms`);
    bob.perform("join");
    const ready = await bob.next(isReadyOf("bob"), "bob's ready as host");
    assert.deepEqual([ready.host, ready.peers], ["bob", ["bob"]]);
    assert.equal(await a.store.host("s-crash"), "bob");
  });
});
