import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { P2pSession } from "../../src/client/session/p2p_session.js";
import type { P2pSessionOptions, SessionMessage } from "../../src/client/session/types.js";
import type { RelayLimits } from "../../src/protocol/session_messages.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import { FakeConsumer, type FakeSubscription } from "../../src/testing/fake_consumer.js";
import { FakePeerNetwork } from "../../src/testing/fake_peer_network.js";
import { TestLogger } from "../../src/testing/test_logger.js";
import { sessionActions } from "../support/session_actions.js";
import { settle, turn, until } from "../support/turns.js";

// Session data through the cable (issue 15) with fake cables, clock and peer connections: the test
// plays SignalingChannel, carrying `signal` and `relay` performs to their addressees (`from`
// stamped), and holds relayed frames back when it wants the cable slower than the data channel.

const LIMITS: RelayLimits = {
  maxBytes: 16 * 1024,
  messagesPerSecond: 1000,
  messageBurst: 1000,
  bytesPerSecond: 100_000_000,
  byteBurst: 100_000_000,
};
const P2P_TIMEOUT_MS = 3000;

interface Page {
  name: string;
  session: P2pSession;
  consumers: FakeConsumer[];
  data: string[];
  states: string[];
  errors: string[];
  live(): FakeSubscription | undefined;
  actions(): string[];
}

class World {
  readonly clock = new FakeClock();
  readonly network = new FakePeerNetwork();
  readonly pages = new Map<string, Page>();
  /** While `false`, relayed frames wait on the "server" (in order) until it is `true` again. */
  relaying = true;
  /** Pages whose performs go nowhere (a page crashed with its cable still counted open). */
  readonly unheard = new Set<string>();
  readonly #cursors = new Map<FakeSubscription, number>();
  readonly #held: Array<{ to: string; message: object }> = [];
  #joins = 0;

  page(name: string, options: Partial<P2pSessionOptions> = {}): Page {
    const factory = FakeConsumer.factory();
    const session = new P2pSession({
      sessionId: "s",
      peerId: name,
      token: `token-${name}`,
      createConsumer: factory.createConsumer,
      createPeerConnection: this.network.factory(name),
      clock: this.clock,
      logger: new TestLogger(),
      random: () => 0.5,
      pageEvents: null,
      p2pTimeoutMs: P2P_TIMEOUT_MS,
      ...options,
    });
    const page: Page = {
      name,
      session,
      consumers: factory.consumers,
      data: [],
      states: [],
      errors: [],
      live: () => {
        const consumer = factory.consumers.at(-1);
        return consumer && !consumer.closed ? consumer.subscription : undefined;
      },
      actions: () =>
        factory.consumers
          .flatMap((c) => c.created)
          .flatMap(sessionActions)
          .map((a) => a.action),
    };
    session.on("message", ({ type, senderId, data }: SessionMessage) => {
      if (type === "Data") page.data.push(`${senderId}:${String(data)}`);
    });
    session.on("state", ({ state }) => page.states.push(state));
    session.on("error", ({ error }) => page.errors.push(error.reason));
    this.pages.set(name, page);
    return page;
  }

  start(page: Page): void {
    page.session.start();
    page.live()!.connected();
  }

  /** Broadcasts `ready`, announcing `relay` (`null`: a server that does not relay). */
  ready(host: string, peer: string, peers: string[], relay: RelayLimits | null = LIMITS): void {
    const joinId = `${peer}-${++this.#joins}`;
    const limits = relay ? { relay } : {};
    for (const page of this.pages.values())
      page.live()?.received({ type: "ready", host, peer, peers, joinId, ...limits });
  }

  /** Carries what was performed since the last pump: signals at once, relayed frames unless held. */
  pump(): void {
    for (const page of this.pages.values()) {
      for (const subscription of page.consumers.flatMap((c) => c.created)) {
        const start = this.#cursors.get(subscription) ?? 0;
        this.#cursors.set(subscription, subscription.performed.length);
        if (this.unheard.has(page.name)) continue;
        for (const { action, data } of subscription.performed.slice(start)) {
          const to = String(data.to);
          if (action === "signal")
            this.#deliver(to, { type: "signal", from: page.name, signal: data.signal });
          if (action === "relay")
            this.#held.push({ to, message: { type: "relay", from: page.name, ...data } });
        }
      }
    }
    if (this.relaying) for (const { to, message } of this.#held.splice(0)) this.#deliver(to, message);
  }

  /** Advances the clock by `ms` in steps of at most 500 ms, carrying what was performed after each. */
  async advance(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= 500) {
      this.clock.advance(Math.min(500, left));
      for (let i = 0; i < 5; i++) {
        this.pump();
        await turn();
      }
    }
  }

  until(done: () => boolean, description: string): Promise<void> {
    return until(() => {
      this.pump();
      return done();
    }, description);
  }

  #deliver(to: string, message: object): void {
    this.pages.get(to)?.live()?.received(message);
  }
}

/** A host and `names` joined in order, none connected peer-to-peer (the network lets nothing through). */
function blockedSession(...names: string[]) {
  const world = new World();
  world.network.blocked = true;
  const host = world.page("h");
  world.start(host);
  world.ready("h", "h", ["h"]);
  const members = ["h"];
  const clients = names.map((name) => {
    const page = world.page(name);
    world.start(page);
    members.push(name);
    world.ready("h", name, [...members]);
    return page;
  });
  return { world, host, clients };
}

describe("P2pSession on a server that relays", () => {
  test("a client's first message reaches everyone through the cable before any data channel opens", async () => {
    const world = new World();
    world.network.blocked = true;
    const host = world.page("h");
    world.start(host);
    world.ready("h", "h", ["h"]);
    const bob = world.page("bob");
    world.start(bob);
    void bob.session.send("hi before ready");
    world.ready("h", "bob", ["h", "bob"]);
    void bob.session.send("hi after ready");
    await world.until(() => bob.data.length === 2, "bob's messages back from the host");
    assert.deepEqual(host.data, ["bob:hi before ready", "bob:hi after ready"]);
    assert.deepEqual(bob.data, ["bob:hi before ready", "bob:hi after ready"]);
    assert.equal(bob.session.state, "negotiating", "no data channel: not connected");
    assert.deepEqual(bob.session.peers, { h: "connected", bob: "negotiating" }, "the host's map, relayed");
    assert.deepEqual([host.errors, bob.errors], [[], []]);
  });

  test("a client whose link does not open within p2pTimeoutMs is relayed and keeps its cable", async () => {
    const { world, host, clients } = blockedSession("bob", "cid");
    const [bob, cid] = clients as [Page, Page];
    await world.until(() => bob.session.peers.cid === "negotiating", "bob to see cid");
    world.clock.advance(P2P_TIMEOUT_MS);
    await world.until(
      () => bob.session.peers.bob === "relayed" && bob.session.peers.cid === "relayed",
      "bob to see both relayed",
    );
    assert.deepEqual(host.session.peers, { h: "connected", bob: "relayed", cid: "relayed" });
    assert.equal(bob.session.state, "relayed");
    assert.equal(cid.session.state, "relayed");
    assert.equal(bob.session.cableAttached, true, "relayed: the cable stays (keepCableConnection false)");
    for (let i = 1; i <= 5; i++) {
      void bob.session.send(`b${i}`);
      void cid.session.send(`c${i}`);
      void host.session.send(`h${i}`);
    }
    await world.until(() => [host, bob, cid].every((p) => p.data.length === 15), "15 messages on each page");
    assert.deepEqual(bob.data, host.data, "bob sees the host's order");
    assert.deepEqual(cid.data, host.data, "cid sees the host's order");
    for (const prefix of ["bob:b", "cid:c", "h:h"]) {
      const mine = host.data.filter((line) => line.startsWith(prefix));
      assert.deepEqual(
        mine,
        [1, 2, 3, 4, 5].map((i) => `${prefix}${i}`),
      );
    }
    assert.equal(bob.actions().filter((a) => a === "join").length, 1, "no join again");
    assert.deepEqual([host.errors, bob.errors, cid.errors], [[], [], []]);
  });

  test("a link that fails before it opens makes the client relayed at once, not joining again", async () => {
    const { world, host, clients } = blockedSession("bob");
    const bob = clients[0]!;
    await world.until(() => world.network.connections.length === 2, "the host's offer taken");
    for (const pc of world.network.connections) pc.setConnectionState("failed");
    await world.until(() => bob.session.state === "relayed", "bob relayed");
    await world.until(() => host.session.peers.bob === "relayed", "the host to show bob relayed");
    void bob.session.send("still here");
    await world.until(() => host.data.length === 1, "bob's message at the host");
    assert.equal(bob.actions().filter((a) => a === "join").length, 1);
    assert.equal(host.actions().includes("drop"), false, "the host keeps bob");
  });

  test("the host forgets a relayed member the server says is no longer in the session, quietly", async () => {
    const { world, host } = blockedSession("bob");
    world.clock.advance(P2P_TIMEOUT_MS);
    await world.until(() => host.session.peers.bob === "relayed", "bob relayed at the host");
    const message = 'Peer "bob" is not a member of session "s"';
    host.live()!.received({ type: "error", reason: "unknown_peer", message, to: "bob", seq: 3 });
    assert.deepEqual(host.session.peers, { h: "connected" });
    assert.deepEqual(host.errors, []);
  });

  test("without relaying, the host's send settles even when a member's link never opens", async () => {
    const world = new World();
    world.network.blocked = true;
    const host = world.page("h");
    world.start(host);
    world.ready("h", "h", ["h"], null);
    const bob = world.page("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"], null);
    let settled = false;
    void host.session.send("to nobody yet").then(() => {
      settled = true;
    });
    await settle();
    assert.equal(bob.session.state, "negotiating");
    world.clock.advance(10_000); // negotiationTimeoutMs: the host forgets bob's link
    await world.until(() => settled, "the host's send to settle");
    assert.deepEqual(host.data, ["h:to nobody yet"]);
    assert.equal(host.session.peers.bob, undefined);
  });

  test("moves to the data channel when it opens, losing, duplicating and reordering nothing, then drops the cable", async () => {
    const world = new World();
    const host = world.page("h");
    world.start(host);
    world.ready("h", "h", ["h"]);
    const bob = world.page("bob");
    world.start(bob);
    world.relaying = false; // the cable is slow: its frames arrive after the data channel's messages
    world.ready("h", "bob", ["h", "bob"]);
    for (let i = 1; i <= 5; i++) void bob.session.send(`m${i}`);
    await world.until(() => bob.session.state === "connected", "bob's data channel open");
    for (let i = 6; i <= 10; i++) void bob.session.send(`m${i}`);
    void host.session.send("from the host");
    await settle();
    assert.deepEqual(host.data, ["h:from the host"], "bob's channel messages wait for the cable's frames");
    assert.equal(bob.session.cableAttached, true, "frames are still on the cable");
    world.relaying = true;
    const expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => `bob:m${i}`);
    await world.until(() => host.data.length === 11, "all of bob's messages at the host");
    assert.deepEqual(
      host.data.filter((line) => line.startsWith("bob:")),
      expected,
    );
    await world.until(() => bob.data.length === 11, "everything back at bob");
    assert.deepEqual(
      bob.data.filter((line) => line.startsWith("bob:")),
      expected,
    );
    await world.until(() => !bob.session.cableAttached, "bob to drop its cable once nothing is left on it");
    assert.equal(bob.actions().at(-1), "detach");
    assert.deepEqual(bob.states, ["connecting", "connected"], "never relayed");
    assert.deepEqual([host.errors, bob.errors], [[], []]);
  });

  test("the host tries peer-to-peer again with a relayed client, and the data moves to it without loss", async () => {
    const { world, host, clients } = blockedSession("bob");
    const bob = clients[0]!;
    await world.advance(P2P_TIMEOUT_MS);
    await world.until(() => host.session.peers.bob === "relayed", "bob relayed at the host");
    await world.until(() => bob.session.state === "relayed", "bob relayed");
    for (let i = 1; i <= 3; i++) void bob.session.send(`m${i}`);
    await world.until(() => host.data.length === 3, "relayed messages at the host");
    const before = world.network.connections.length;
    world.network.blocked = false; // the network changed: peer-to-peer goes through now
    // First retry between 2.5 and 5 s (jitter 0.5: 3.75 s): a fresh offer, taken by bob through the cable.
    world.clock.advance(3750);
    await world.until(() => bob.session.state === "connected", "bob connected peer-to-peer");
    assert.equal(world.network.connections.length, before + 2, "one fresh connection on each side");
    for (let i = 4; i <= 6; i++) void bob.session.send(`m${i}`);
    await world.until(() => bob.data.length === 6, "every message back at bob");
    const expected = [1, 2, 3, 4, 5, 6].map((i) => `bob:m${i}`);
    assert.deepEqual(host.data, expected);
    assert.deepEqual(bob.data, expected);
    await world.until(() => host.session.peers.bob === "connected", "the host shows bob connected");
    await world.until(() => !bob.session.cableAttached, "bob drops its cable once connected");
    assert.deepEqual(bob.states, ["relayed", "connected"]);
    assert.equal(bob.actions().filter((a) => a === "join").length, 1, "no join again");
    assert.deepEqual([host.errors, bob.errors], [[], []]);
  });

  test("attempts that do not open give way to the next one, further apart each time", async () => {
    const { world, host } = blockedSession("bob");
    await world.advance(P2P_TIMEOUT_MS);
    await world.until(() => host.session.peers.bob === "relayed", "bob relayed at the host");
    const offers = () => host.actions().filter((a) => a === "signal").length;
    const initial = world.network.connections.length;
    const counts: number[] = [];
    // Jitter 0.5: attempts at 3.75 s, then 3 s (its timeout) + 7.5 s, then 3 s + 15 s after the one before.
    for (const wait of [3750, 3000 + 7500, 3000 + 15_000]) {
      await world.advance(wait - 1); // in steps, the cable carrying the beats meanwhile
      const quiet = offers();

      const made = world.network.connections.length + 2;
      world.clock.advance(1);
      await world.until(() => offers() > quiet, "a fresh offer");
      await world.until(() => world.network.connections.length === made, "bob to take it");
      counts.push(made);
    }
    assert.deepEqual(
      counts,
      [initial + 2, initial + 4, initial + 6],
      "each attempt makes one fresh connection on each side",
    );
    assert.equal(host.session.peers.bob, "relayed", "still relayed meanwhile");
  });

  test("the host drops a relayed client gone silent through the cable, and a client hearing no host joins again", async () => {
    const { world, host, clients } = blockedSession("bob");
    const bob = clients[0]!;
    await world.advance(P2P_TIMEOUT_MS);
    await world.until(() => host.session.peers.bob === "relayed", "bob relayed at the host");
    await world.until(() => bob.session.state === "relayed", "bob relayed");
    // Beats through the cable keep both sides alive well past the link's own idle timeout.
    await world.advance(20_000);
    assert.equal(host.session.peers.bob, "relayed", "a quiet but live member stays");
    assert.equal(bob.session.state, "relayed");
    world.unheard.add("bob");
    world.unheard.add("h");
    await world.advance(17_000);
    assert.equal(host.session.peers.bob, undefined, "the host forgot bob");
    assert.ok(host.actions().includes("drop"), "and told the server bob's link is dead");
    assert.equal(bob.actions().filter((a) => a === "join").length, 2, "bob joins again");
  });

  test("an attempt whose ICE is checking is left to finish, and the next follows once it fails", async () => {
    const { world, host } = blockedSession("bob");
    await world.advance(P2P_TIMEOUT_MS);
    await world.until(() => host.session.peers.bob === "relayed", "bob relayed at the host");
    const offers = () => host.actions().filter((a) => a === "signal").length;
    const hostPc = world.network.connections.find((pc) => pc.label === "h")!;
    hostPc.setIceState("checking");
    const before = offers();
    await world.advance(3750 + 7500); // the first retry is due, then the one after it
    assert.equal(offers(), before, "no fresh offer while ICE checks");
    assert.notEqual(hostPc.signalingState, "closed", "the checking connection is kept");
    hostPc.setConnectionState("failed");
    // Each postponed check counted as an attempt: the next delay is 30 s (40 s ceiling, jitter 0.5).
    await world.advance(30_000);
    await world.until(() => offers() > before, "a fresh offer once the checking attempt failed");
    assert.equal(host.session.peers.bob, "relayed");
  });
});
