import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SessionEvents } from "../../src/client/session/events.js";
import { P2pSession } from "../../src/client/session/p2p_session.js";
import { type P2pSessionOptions, sessionDefaults } from "../../src/client/session/types.js";
import type { P2pError } from "../../src/protocol/errors.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import {
  FakeConsumer,
  type FakeConsumerFactory,
  type FakeSubscription,
} from "../../src/testing/fake_consumer.js";
import { FakePeerNetwork } from "../../src/testing/fake_peer_network.js";
import { TestLogger } from "../../src/testing/test_logger.js";
import { sessionActions } from "../support/session_actions.js";
import { elapse, settle, until } from "../support/turns.js";

interface Peer {
  name: string;
  session: P2pSession;
  cable: FakeConsumerFactory;
  logger: TestLogger;
  events: Array<{ [K in keyof SessionEvents]: { name: K; detail: SessionEvents[K] } }[keyof SessionEvents]>;
  /** The subscription of the newest consumer, while its socket is open. */
  live(): FakeSubscription | undefined;
  /** Every action performed on every subscription so far, in order. */
  actions(): Array<{ action: string; data: Record<string, unknown> }>;
  errors(): P2pError[];
  peersEvents(): Array<Record<string, string>>;
}

/**
 * Pages of one session on a fake cable, a fake clock and a fake network. The test plays
 * SignalingChannel: it confirms subscriptions, broadcasts `ready`, and `pump()` carries each
 * performed `signal` to its addressee's live subscription (stamped `from`), as the server does.
 */
class World {
  readonly clock = new FakeClock();
  readonly network = new FakePeerNetwork();
  readonly peers = new Map<string, Peer>();
  readonly #cursors = new Map<FakeSubscription, number>();
  #joins = 0;

  peer(name: string, options: Partial<P2pSessionOptions> = {}): Peer {
    const cable = FakeConsumer.factory();
    const logger = new TestLogger();
    const session = new P2pSession({
      sessionId: "s",
      peerId: name,
      token: `token-${name}`,
      createConsumer: cable.createConsumer,
      createPeerConnection: this.network.factory(name),
      clock: this.clock,
      logger,
      random: () => 0.5,
      reconnect: { initialMs: 200, maxMs: 2000 },
      pageEvents: null,
      ...options,
    });
    const events: Peer["events"] = [];
    for (const name of ["state", "message", "peers", "host", "error"] as const)
      session.on(name, (detail) => events.push({ name, detail } as Peer["events"][number]));
    const subscriptions = () => cable.consumers.flatMap((consumer) => consumer.created);
    const peer: Peer = {
      name,
      session,
      cable,
      logger,
      events,
      live: () => {
        const consumer = cable.consumers.at(-1);
        return consumer && !consumer.closed ? consumer.subscription : undefined;
      },
      actions: () => subscriptions().flatMap(sessionActions),
      errors: () => events.flatMap((e) => (e.name === "error" ? [e.detail.error] : [])),
      peersEvents: () => events.flatMap((e) => (e.name === "peers" ? [e.detail] : [])),
    };
    this.peers.set(name, peer);
    return peer;
  }

  /** Starts the page and confirms its subscription: it performs `join`. */
  start(peer: Peer): void {
    peer.session.start();
    peer.live()!.connected();
  }

  /** Broadcasts `ready` for `peer`'s join to every live subscription. */
  ready(host: string, peer: string, peers: string[], extra: { resume?: boolean } = {}): string {
    const joinId = `${peer}-${++this.#joins}`;
    this.broadcast({ type: "ready", host, peer, peers, joinId, ...extra });
    return joinId;
  }

  broadcast(message: object): void {
    for (const peer of this.peers.values()) peer.live()?.received(message);
  }

  /** Carries the `signal`s performed since the last pump to their addressees. */
  pump(): void {
    for (const peer of this.peers.values()) {
      const from = peer.session.peerId;
      for (const subscription of peer.cable.consumers.flatMap((c) => c.created)) {
        const start = this.#cursors.get(subscription) ?? 0;
        this.#cursors.set(subscription, subscription.performed.length);
        for (const { action, data } of subscription.performed.slice(start)) {
          if (action !== "signal") continue;
          const to = [...this.peers.values()].filter((p) => p.session.peerId === data.to && p.live()).at(-1);
          to?.live()?.received({ type: "signal", from, signal: data.signal });
        }
      }
    }
  }

  /** Pumps signals turn by turn until `done()`. */
  until(done: () => boolean, description: string): Promise<void> {
    return until(() => {
      this.pump();
      return done();
    }, description);
  }

  /** A host and clients, all connected, every page keeping its cable unless told otherwise. */
  async connected(host: Peer, ...clients: Peer[]): Promise<Map<string, string>> {
    const joinIds = new Map<string, string>();
    const hostId = host.session.peerId;
    this.start(host);
    joinIds.set(hostId, this.ready(hostId, hostId, [hostId]));
    const members = [hostId];
    for (const client of clients) {
      const peerId = client.session.peerId;
      this.start(client);
      members.push(peerId);
      joinIds.set(peerId, this.ready(hostId, peerId, [...members]));
      await this.until(() => client.session.state === "connected", `${client.name} connected`);
    }
    await this.until(
      () => clients.every((c) => host.session.peers[c.session.peerId] === "connected"),
      "the host to see every client connected",
    );
    return joinIds;
  }
}

const joins = (peer: Peer) => peer.actions().filter((a) => a.action === "join");

describe("P2pSession", () => {
  test("ignores an offer from a peer that is not the host", async () => {
    const world = new World();
    const bob = world.peer("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "m", "bob"]);
    bob.live()!.received({ type: "signal", from: "m", signal: { type: "offer", sdp: "m offer" } });
    await settle();
    assert.equal(world.network.connections.length, 0, "no link for the member's offer");
    assert.ok(bob.logger.has("warn", "not the host"));
    bob.live()!.received({ type: "signal", from: "h", signal: { type: "offer", sdp: "h offer" } });
    await settle();
    assert.equal(world.network.connections.length, 1, "the host's offer starts a link");
    assert.equal(bob.session.hostPeerId, "h");
  });

  test("connects a client to the host, and joins plainly the first time", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    await world.connected(host, bob);
    assert.deepEqual(joins(bob), [{ action: "join", data: {} }]);
    const [subscription] = bob.cable.consumers.flatMap((c) => c.created);
    assert.equal(
      subscription!.params.join,
      true,
      "it joined as it subscribed: `join: true` in the identifier",
    );
    assert.equal(subscription!.actions.includes("join"), false, "no join performed after the confirm");
    assert.equal(bob.session.hostPeerId, "h");
    assert.equal(host.session.iamHost, true);
    assert.equal(bob.session.cableAttached, false, "detached once connected");
    assert.deepEqual(bob.actions().at(-1), { action: "detach", data: {} });
  });

  test("the host answers a member's ready with the offer of a link made ahead, then makes the next one", async () => {
    const world = new World();
    const host = world.peer("h");
    world.start(host);
    world.ready("h", "h", ["h"]);
    world.clock.advance(0);
    await settle();
    assert.equal(world.network.connections.length, 1, "a spare link waits for the first member");
    const spare = world.network.connections[0]!;
    assert.equal(spare.localDescription?.type, "offer", "its offer is made before anyone joins");
    const signals = () => host.actions().filter((a) => a.action === "signal");
    assert.deepEqual(signals(), [], "and held: it has nobody to go to");
    const bob = world.peer("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"]);
    assert.deepEqual(
      signals().map((s) => [s.data.to, (s.data.signal as { type: string }).type]),
      [["bob", "offer"]],
      "bob's ready is answered with the spare's offer at once, before a turn passes",
    );
    await world.until(() => bob.session.state === "connected", "bob connected");
    assert.equal(host.session.peers.bob, "connected");
    world.clock.advance(0);
    await settle();
    const next = world.network.connections.filter((c) => c !== spare && c.localDescription?.type === "offer");
    assert.equal(next.length, 1, "a new spare waits for the next member");
    host.session.close();
    assert.equal(next[0]!.signalingState, "closed", "closing the session closes the spare");
  });

  test("joins again when a ready does not list it (the session was reset)", async () => {
    const world = new World();
    const bob = world.peer("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"]);
    world.ready("h", "cid", ["h", "bob", "cid"]);
    assert.equal(joins(bob).length, 1, "listed: nothing to do");
    world.ready("new", "cid", ["new", "cid"]);
    assert.equal(joins(bob).length, 2, "not listed: joins again");
    world.ready("new", "dan", ["new", "cid", "dan"]);
    assert.equal(joins(bob).length, 2, "already joining: once is enough");
  });

  test("stays connected as a new host when a host-left for the host before it arrives late", async () => {
    const world = new World();
    const cid = world.peer("cid");
    const bob = world.peer("bob");
    await world.connected(cid, bob);
    assert.equal(cid.session.state, "connected");
    const before = joins(cid).length;
    world.broadcast({ type: "host-left", host: "old-host" });
    await settle();
    assert.equal(cid.session.state, "connected", "the new host stays connected");
    assert.equal(cid.session.iamHost, true);
    assert.equal(bob.session.state, "connected", "its client keeps its link");
    assert.equal(joins(cid).length, before, "no join for a session that is gone already");
  });

  test("steps down and joins again when a host-left names this page, the host", async () => {
    const world = new World();
    const cid = world.peer("cid");
    world.start(cid);
    world.ready("cid", "cid", ["cid"]);
    assert.equal(cid.session.iamHost, true);
    world.broadcast({ type: "host-left", host: "cid" });
    assert.equal(cid.session.iamHost, false);
    assert.equal(cid.session.state, "negotiating");
    assert.equal(joins(cid).length, 2);
  });

  test("retries join after store_unavailable with a growing backoff, and starts over after ready", async () => {
    const world = new World();
    const bob = world.peer("bob");
    world.start(bob);
    const storeDown = { type: "error", reason: "store_unavailable", message: "Session store unavailable" };
    bob.live()!.received(storeDown);
    world.clock.advance(99);
    assert.equal(joins(bob).length, 1);
    world.clock.advance(1);
    assert.equal(joins(bob).length, 2, "first retry after 100 ms (random 0.5 of 200)");
    bob.live()!.received(storeDown);
    world.clock.advance(199);
    assert.equal(joins(bob).length, 2);
    world.clock.advance(1);
    assert.equal(joins(bob).length, 3, "second retry after 200 ms");
    assert.deepEqual(
      bob.errors().map((e) => e.reason),
      ["store_unavailable", "store_unavailable"],
    );
    world.ready("h", "bob", ["h", "bob"]);
    bob.live()!.disconnected();
    world.clock.advance(100);
    assert.equal(bob.cable.consumers.length, 2, "after ready the next delay is the first again");
  });

  test("does not retry a join on store_unavailable once joined", () => {
    const world = new World();
    const bob = world.peer("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"]);
    bob.live()!.received({ type: "error", reason: "store_unavailable", message: "down" });
    world.clock.advance(5000);
    assert.equal(joins(bob).length, 1);
  });

  test("replaces a lost cable with a fresh consumer after the backoff, and joins with resume while its link is open", async () => {
    const world = new World();
    // No spare link: the test counts the connections made.
    const host = world.peer("h", { spareLink: false });
    const bob = world.peer("bob", { keepCableConnection: true });
    await world.connected(host, bob);
    const connections = world.network.connections.length;
    bob.live()!.disconnected();
    assert.equal(bob.session.cableAttached, false);
    world.clock.advance(99);
    assert.equal(bob.cable.consumers.length, 1);
    world.clock.advance(1);
    assert.equal(bob.cable.consumers.length, 2);
    bob.live()!.connected();
    await elapse(world.clock, 4900);
    assert.equal(joins(bob).length, 1, "waits for the host to join first");
    await elapse(world.clock, 100);
    assert.deepEqual(joins(bob).at(-1), { action: "join", data: { resume: true } });
    world.ready("h", "bob", ["h", "bob"], { resume: true });
    await settle();
    assert.equal(world.network.connections.length, connections, "the host kept the link: no new offer");
    assert.equal(bob.session.state, "connected");
    assert.equal(host.session.peers.bob, "connected");
  });

  test("waits, back on the cable with its link open, for the host to join again before joining with resume", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob", { keepCableConnection: true });
    await world.connected(host, bob);
    const before = [host.events.length, bob.events.length];
    for (const page of [host, bob]) page.live()!.disconnected();
    world.clock.advance(100);
    bob.live()!.connected();
    host.live()!.connected();
    assert.equal(joins(bob).length, 1, "bob waits: a join now could make him host of the emptied session");
    assert.deepEqual(joins(host).at(-1), { action: "join", data: {} });
    world.ready("h", "h", ["h"]);
    assert.deepEqual(joins(bob).at(-1), { action: "join", data: { resume: true } });
    world.ready("h", "bob", ["h", "bob"], { resume: true });
    await elapse(world.clock, 10_000);
    assert.equal(joins(bob).length, 2, "once");
    assert.equal(bob.session.state, "connected");
    assert.equal(host.session.peers.bob, "connected");
    const noticed = [host, bob].flatMap((page, i) =>
      page.events
        .slice(before[i])
        .filter((e) => e.name === "host" || e.name === "state" || e.name === "error"),
    );
    assert.deepEqual(noticed, [], "neither page noticed anything");
  });

  test("tells the first page of a peer that a second one replaced it, over the data channel", async () => {
    const world = new World();
    const host = world.peer("h");
    const bobOld = world.peer("bob-old", { peerId: "bob" });
    await world.connected(host, bobOld);
    assert.equal(bobOld.session.cableAttached, false, "detached: the server cannot tell it");
    const bobNew = world.peer("bob-new", { peerId: "bob" });
    world.start(bobNew);
    world.ready("h", "bob", ["h", "bob"]);
    await world.until(() => bobOld.session.state === "failed", "the first page to fail");
    assert.deepEqual(
      bobOld.errors().map((e) => e.reason),
      ["replaced"],
    );
    assert.ok(!bobOld.actions().some((a) => a.action === "leave"));
    await world.until(() => bobNew.session.state === "connected", "the second page to connect");
    await world.until(() => host.session.peers.bob === "connected", "the host to show bob connected");
    assert.equal(bobNew.cable.consumers.length, 1);
    assert.deepEqual(bobNew.errors(), []);
  });

  test("joins plainly after a cable loss while its link is not open", async () => {
    const world = new World();
    world.network.blocked = true;
    const bob = world.peer("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"]);
    bob.live()!.disconnected();
    world.clock.advance(100);
    bob.live()!.connected();
    assert.deepEqual(
      joins(bob).map((j) => j.data),
      [{}, {}],
    );
  });

  test("abandons a negotiation that does not open in time with negotiation_timeout, and joins again", async () => {
    const world = new World();
    world.network.blocked = true;
    // No spare link: the last connection made is bob's.
    const host = world.peer("h", { spareLink: false });
    const bob = world.peer("bob");
    world.start(host);
    world.ready("h", "h", ["h"]);
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"]);
    await world.until(() => world.network.connections.length === 2, "both ends negotiating");
    world.clock.advance(9999);
    assert.deepEqual(bob.errors(), []);
    world.clock.advance(1);
    const [error] = bob.errors();
    assert.equal(error?.reason, "negotiation_timeout");
    assert.match(error!.message, /host "h" within 10000 ms/);
    assert.equal(bob.session.state, "negotiating");
    assert.equal(world.network.connections.at(-1)!.signalingState, "closed", "the link is closed");
    assert.equal(joins(bob).length, 1);
    world.clock.advance(100);
    assert.equal(joins(bob).length, 2, "joins again after the backoff");
    assert.deepEqual(host.session.peers, { h: "connected" }, "the host forgot it");
    assert.ok(!host.actions().some((a) => a.action === "drop"), "without drop");
  });

  test("times out when the host never offers", () => {
    const world = new World();
    const bob = world.peer("bob");
    world.start(bob);
    world.ready("h", "bob", ["h", "bob"]);
    world.clock.advance(10_000);
    assert.deepEqual(
      bob.errors().map((e) => e.reason),
      ["negotiation_timeout"],
    );
  });

  test("forgets, as host, a link that never opened: disconnected once, then removed, without drop", async () => {
    const world = new World();
    world.network.blocked = true;
    const host = world.peer("h");
    world.start(host);
    world.ready("h", "h", ["h"]);
    world.ready("h", "bob", ["h", "bob"]);
    world.clock.advance(10_000);
    assert.deepEqual(
      host.peersEvents().map((m) => m.bob),
      [undefined, "negotiating", "disconnected", undefined],
    );
    assert.ok(!host.actions().some((a) => a.action === "drop"));
  });

  test("rejects send with outbox_full past maxOutbox, naming the limit", async () => {
    const world = new World();
    const bob = world.peer("bob", { maxOutbox: 2 });
    world.start(bob);
    await bob.session.send("one");
    await bob.session.send("two");
    await assert.rejects(bob.session.send("three"), (error: P2pError) => {
      assert.equal(error.reason, "outbox_full");
      assert.match(error.message, /maxOutbox 2/);
      return true;
    });
  });

  test("delivers what waited in the outbox once connected, in order", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    world.start(host);
    world.ready("h", "h", ["h"]);
    world.start(bob);
    await bob.session.send("first");
    await bob.session.send("second");
    world.ready("h", "bob", ["h", "bob"]);
    const data = () =>
      host.events.flatMap((e) => (e.name === "message" && e.detail.type === "Data" ? [e.detail.data] : []));
    await world.until(() => data().length === 2, "both at the host");
    assert.deepEqual(data(), ["first", "second"]);
  });

  test("shows a departed peer disconnected once, then removes it, and clients merge the deltas", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    const cid = world.peer("cid");
    const joinIds = await world.connected(host, bob, cid);
    await world.until(() => bob.session.peers.cid === "connected", "bob to see cid connected");
    const seen = bob.peersEvents().length;
    cid.session.close();
    await world.until(() => !("cid" in bob.session.peers), "bob to see cid removed");
    assert.deepEqual(bob.peersEvents().slice(seen), [
      { h: "connected", bob: "connected", cid: "disconnected" },
      { h: "connected", bob: "connected" },
    ]);
    assert.deepEqual(host.session.peers, { h: "connected", bob: "connected" });
    assert.deepEqual(
      host.actions().filter((a) => a.action === "drop"),
      [{ action: "drop", data: { peer: "cid", joinId: joinIds.get("cid") } }],
    );
    const maps = bob.events.flatMap((e) =>
      e.name === "message" && e.detail.type === "Data.Connection.State" ? [e.detail.data] : [],
    );
    assert.deepEqual(
      maps.at(-1),
      { h: "connected", bob: "connected" },
      "the app's message has the whole map",
    );
  });

  test("fails on replaced: state failed, links closed, cable closed without leave", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob", { keepCableConnection: true });
    await world.connected(host, bob);
    const subscription = bob.live()!;
    subscription.received({ type: "error", reason: "replaced", message: "Replaced by a newer subscription" });
    assert.equal(bob.session.state, "failed");
    assert.deepEqual(
      bob.errors().map((e) => e.reason),
      ["replaced"],
    );
    assert.ok(!bob.actions().some((a) => a.action === "leave"), "no leave");
    assert.equal(subscription.unsubscribed, false);
    assert.equal(subscription.consumer.closed, true);
    await world.until(() => host.session.peers.bob === undefined, "the host to lose the link");
    world.clock.advance(60_000);
    assert.equal(bob.cable.consumers.length, 1, "nothing reconnects");
  });

  test("fails on session_full without leave", () => {
    const world = new World();
    const bob = world.peer("bob");
    world.start(bob);
    bob.live()!.received({ type: "error", reason: "session_full", message: "Session is full" });
    assert.equal(bob.session.state, "failed");
    assert.deepEqual(
      bob.actions().map((a) => a.action),
      ["join"],
    );
    assert.equal(bob.cable.last().closed, true);
  });

  test("closes on pagehide when the page is not kept", () => {
    const world = new World();
    const pageEvents = new EventTarget();
    const bob = world.peer("bob", { pageEvents });
    world.start(bob);
    pageEvents.dispatchEvent(Object.assign(new Event("pagehide"), { persisted: false }));
    assert.equal(bob.session.state, "closed");
    assert.deepEqual(
      bob.actions().map((a) => a.action),
      ["join", "leave"],
    );
  });

  test("leaves on pagehide into the back/forward cache and joins again on pageshow", async () => {
    const world = new World();
    const pageEvents = new EventTarget();
    const host = world.peer("h", { pageEvents });
    const bob = world.peer("bob");
    await world.connected(host, bob);
    pageEvents.dispatchEvent(Object.assign(new Event("pagehide"), { persisted: true }));
    assert.equal(host.session.state, "disconnected");
    assert.equal(host.session.iamHost, false);
    assert.deepEqual(host.actions().at(-1), { action: "leave", data: {} });
    assert.equal(host.session.cableAttached, false);
    await world.until(() => bob.session.state !== "connected", "bob to lose the host");
    world.clock.advance(60_000);
    assert.equal(host.cable.consumers.length, 1, "suspended: no reconnect");

    pageEvents.dispatchEvent(Object.assign(new Event("pageshow"), { persisted: true }));
    assert.equal(host.session.state, "negotiating");
    assert.equal(host.cable.consumers.length, 2);
    host.live()!.connected();
    assert.deepEqual(joins(host).at(-1), { action: "join", data: {} });
    world.ready("h", "h", ["h"]);
    assert.equal(host.session.state, "connected");
  });

  test("ignores a pageshow when it was not suspended", () => {
    const world = new World();
    const pageEvents = new EventTarget();
    const bob = world.peer("bob", { pageEvents });
    world.start(bob);
    pageEvents.dispatchEvent(Object.assign(new Event("pageshow"), { persisted: true }));
    assert.equal(bob.cable.consumers.length, 1);
  });

  test("joins again through a fresh cable when its link to the host dies", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    await world.connected(host, bob);
    assert.equal(bob.session.cableAttached, false);
    const channel = world.network.connections.find((pc) => pc.label === "bob")!.channels[0]!;
    channel.remote!.close();
    await until(() => bob.session.state === "negotiating", "bob to notice the closed channel");
    assert.equal(bob.cable.consumers.length, 2, "attached at once");
    bob.live()!.connected();
    assert.deepEqual(joins(bob).at(-1), { action: "join", data: {} });
  });

  test("comes back on the cable when ICE fails, and joins again only once the restart's deadline passed", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    await world.connected(host, bob);
    world.network.connections.find((pc) => pc.label === "bob")!.setConnectionState("failed");
    assert.equal(bob.session.state, "connected", "interrupted, not dead");
    assert.equal(bob.cable.consumers.length, 2, "attached at once, for the host's restart offer");
    bob.live()!.connected();
    assert.deepEqual(joins(bob).at(-1), { action: "join", data: { resume: true } });
    // Nobody restarts (the host is not told): the link is dead after iceRestart.timeoutMs.
    await elapse(world.clock, sessionDefaults.iceRestart.timeoutMs - 400);
    assert.equal(bob.session.state, "connected");
    await elapse(world.clock, 600);
    assert.equal(bob.session.state, "negotiating");
    assert.deepEqual(joins(bob).at(-1), { action: "join", data: {} });
  });

  test("keeps idle links open while time passes (heartbeats on the fake clock)", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    await world.connected(host, bob);
    await elapse(world.clock, 15_000);
    assert.equal(bob.session.state, "connected");
    assert.equal(host.session.peers.bob, "connected");
  });
});

describe("P2pSession ICE restart", () => {
  /** The host's and bob's peer connections of their link. */
  const pcs = (world: World) => ({
    hostPc: world.network.connections.find((pc) => pc.label === "h")!,
    bobPc: world.network.connections.find((pc) => pc.label === "bob")!,
  });
  const statesSince = (peer: Peer, from: number) =>
    peer.events.slice(from).flatMap((e) => (e.name === "state" ? [e.detail.state] : []));

  test("restarts ICE from the host through the cable when the link loses its path, without a new link", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    await world.connected(host, bob);
    const { hostPc, bobPc } = pcs(world);
    const [connections, hostEvents, bobEvents] = [
      world.network.connections.length,
      host.events.length,
      bob.events.length,
    ];
    bobPc.setIceState("disconnected");
    hostPc.setIceState("disconnected");
    // bob comes back on the cable and joins with `resume`; the host's answer to that is its restart offer.
    assert.equal(bob.session.cableAttached, true);
    bob.live()!.connected();
    assert.deepEqual(joins(bob).at(-1), { action: "join", data: { resume: true } });
    world.ready("h", "bob", ["h", "bob"], { resume: true });
    await world.until(() => bob.session.cableAttached === false, "bob restored and off the cable again");
    assert.equal(hostPc.restarts, 1);
    assert.equal(hostPc.iceConnectionState, "connected");
    assert.equal(bobPc.iceConnectionState, "connected");
    assert.equal(world.network.connections.length, connections, "the same peer connections");
    assert.deepEqual(statesSince(bob, bobEvents), [], "bob never left connected");
    assert.ok(
      host
        .peersEvents()
        .slice(hostEvents)
        .every((states) => states.bob === "connected"),
      "the host never showed bob otherwise",
    );
    assert.ok(bob.logger.entries.some((e) => e.message === "ice restored"));
    await bob.session.send("after the restart");
    await world.until(
      () => host.events.some((e) => e.name === "message" && e.detail.data === "after the restart"),
      "bob's message at the host",
    );
  });

  test("restarts after iceRestart.disconnectedMs of disconnected, with the freshest credentials", async () => {
    const world = new World();
    const host = world.peer("h", { iceExpiresAt: world.clock.now() + 60_000, iceTransportPolicy: "relay" });
    const bob = world.peer("bob", { keepCableConnection: true });
    await world.connected(host, bob);
    const { hostPc, bobPc } = pcs(world);
    assert.equal(hostPc.configuration.iceTransportPolicy, "relay");
    const fresh = [{ urls: "turn:10.233.0.1:3478", username: "9999999999:h", credential: "fresh" }];
    // Halfway to the expiry the host asks for fresh credentials; the server answers `ice-servers`.
    await elapse(world.clock, 30_000);
    assert.equal(host.actions().filter((a) => a.action === "ice_servers").length, 1);
    host.live()!.received({
      type: "ice-servers",
      iceServers: fresh,
      iceTransportPolicy: "relay",
      expiresAt: world.clock.now() + 60_000,
    });
    hostPc.setIceState("disconnected");
    await elapse(world.clock, sessionDefaults.iceRestart.disconnectedMs - 200);
    assert.equal(hostPc.restarts, 0, "disconnected may come back by itself");
    await elapse(world.clock, 400);
    assert.equal(hostPc.restarts, 1);
    assert.deepEqual(hostPc.configurations.at(-1)?.iceServers, fresh);
    await world.until(
      () => hostPc.signalingState === "stable" && bobPc.signalingState === "stable",
      "the restart negotiated",
    );
    assert.equal(host.session.peers.bob, "connected");
    assert.equal(joins(bob).length, 1, "bob never joined again");
  });

  test("sends its restart offer again when the client comes back on the cable after it went", async () => {
    const world = new World();
    const host = world.peer("h");
    const bob = world.peer("bob");
    await world.connected(host, bob);
    const { hostPc, bobPc } = pcs(world);
    hostPc.setIceState("failed");
    assert.equal(hostPc.restarts, 1, "failed restarts at once");
    await world.until(() => hostPc.signalingState === "have-local-offer", "the restart offer");
    world.pump(); // bob is off the cable: the offer is lost
    bobPc.setIceState("disconnected");
    bob.live()!.connected();
    world.ready("h", "bob", ["h", "bob"], { resume: true });
    await world.until(() => bob.session.cableAttached === false, "bob restored");
    assert.equal(hostPc.restarts, 1, "the same offer, sent again");
    assert.ok(host.logger.entries.some((e) => e.message === "ice restart offer sent again"));
  });
});
