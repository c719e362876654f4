import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HostRelay } from "../../src/client/session/host_relay.js";
import { type DecodedMessage, decodeBody, encodeMessage } from "../../src/client/session/message_codec.js";
import { PeerLink, type PeerLinkSettings } from "../../src/client/session/peer_link.js";
import type { PeerStates, SessionMessage } from "../../src/client/session/types.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import { FakePeerNetwork } from "../../src/testing/fake_peer_network.js";
import { TestLogger } from "../../src/testing/test_logger.js";
import { elapse, settle, until } from "../support/turns.js";

/** A relay for host "h" and client links that answer it, all signalling directly (no cable). */
function hostWorld() {
  const clock = new FakeClock();
  const network = new FakePeerNetwork();
  const logger = new TestLogger();
  const settings = (label: string): PeerLinkSettings => ({
    configuration: { iceServers: [] },
    createPeerConnection: network.factory(label),
    heartbeat: { intervalMs: 1000, idleTimeoutMs: 4000 },
    clock,
    logger,
    chunkSize: 1024,
  });
  const clients = new Map<string, { link: PeerLink; received: DecodedMessage[] }>();
  // Client links the host offered a newer link in place of (left open: a second page of that peer).
  const retired: Array<{ link: PeerLink; received: DecodedMessage[] }> = [];
  const drops: Array<[string, string | undefined]> = [];
  const maps: PeerStates[] = [];
  const delivered: SessionMessage[] = [];
  const relay: HostRelay = new HostRelay({
    selfId: "h",
    link: settings("h"),
    negotiationTimeoutMs: 10_000,
    signal: (to, signal) => {
      // As P2pSession does: an offer through the cable starts a new client link.
      if (signal.type === "offer") {
        const old = clients.get(to);
        if (old) retired.push(old);
        const received: DecodedMessage[] = [];
        const link = new PeerLink({
          ...settings(to),
          peerId: "h",
          side: "client",
          signal: (answer) => relay.receiveSignal(to, answer),
        });
        link.on("message", (message) => received.push(message));
        clients.set(to, { link, received });
      }
      clients.get(to)?.link.receiveSignal(signal);
    },
    drop: (peer, joinId) => drops.push([peer, joinId]),
    deliver: (message) => delivered.push(message),
    statusChanged: (states) => maps.push(states),
    stream: () => {},
    error: () => {},
    streams: () => [],
  });
  const client = (name: string) => clients.get(name)!;
  const open = (name: string) => until(() => clients.get(name)?.link.open === true, `${name} open`);
  /** What a client was sent about the status map: `st` (whole) or `sd` (delta), with the body. */
  const statusLog = (name: string) =>
    client(name)
      .received.filter((m) => m.envelope.t === "st" || m.envelope.t === "sd")
      .map((m) => [m.envelope.t, decodeBody(m)]);
  return { clock, network, logger, relay, drops, maps, delivered, client, open, statusLog, retired };
}

describe("HostRelay", () => {
  test("offers to an accepted client and shows it connected once the channel opens", async () => {
    const { relay, open, maps } = hostWorld();
    relay.accept("bob", "j1");
    assert.deepEqual(relay.states, { h: "connected", bob: "negotiating" });
    await open("bob");
    await until(() => relay.states.bob === "connected", "bob connected at the host");
    assert.deepEqual(maps.at(-1), { h: "connected", bob: "connected" });
  });

  test("sends a newly connected client the whole map and deltas afterwards", async () => {
    const { relay, open, statusLog } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    await until(() => statusLog("bob").length === 1, "bob's first map");
    relay.accept("cid", "j2");
    await open("cid");
    await until(() => statusLog("bob").length === 4, "deltas about cid");
    assert.deepEqual(statusLog("bob"), [
      ["st", { h: "connected", bob: "connected" }],
      ["sd", { cid: "negotiating" }],
      ["sd", { cid: "connecting" }],
      ["sd", { cid: "connected" }],
    ]);
    await until(() => statusLog("cid").length === 1, "cid's first map");
    assert.deepEqual(statusLog("cid"), [["st", { h: "connected", bob: "connected", cid: "connected" }]]);
  });

  test("keeps an open link when the client resumes, and takes its new joinId for drop", async () => {
    const { relay, open, client, network, drops } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    const link = client("bob").link;
    const connections = network.connections.length;
    relay.accept("bob", "j2", true);
    assert.equal(client("bob").link, link, "no new offer");
    assert.equal(network.connections.length, connections);
    link.close();
    await until(() => drops.length === 1, "the drop");
    assert.deepEqual(drops, [["bob", "j2"]]);
  });

  test("replaces the link of a client that joins again without resume", async () => {
    const { relay, open, client } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    const first = client("bob").link;
    relay.accept("bob", "j2");
    assert.equal(relay.states.bob, "negotiating");
    await until(() => client("bob").link !== first, "a new offer");
    await open("bob");
  });

  test("tells the page on an open link that a plain join replaced it, and closes that link after the idle timeout", async () => {
    const { relay, open, client, retired, clock, drops } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    const first = client("bob").link;
    relay.accept("bob", "j2");
    await until(() => retired[0]?.received.some((m) => m.envelope.t === "rp") === true, "the notice");
    assert.equal(retired[0]!.link, first);
    await open("bob");
    await elapse(clock, 3800);
    assert.equal(first.state, "connected", "the old page did not hang up yet");
    await elapse(clock, 400);
    assert.equal(first.state, "disconnected", "the host closed the old link");
    assert.equal(client("bob").link.state, "connected");
    assert.equal(relay.states.bob, "connected");
    assert.deepEqual(drops, [], "nothing dropped: bob is still a member");
  });

  test("ignores data from a link it retired", async () => {
    const { relay, open, retired, delivered } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    relay.accept("bob", "j2");
    await until(() => retired.length === 1, "a new offer");
    await retired[0]!.link.send(encodeMessage({ t: "d" }, "from the old page"));
    await settle();
    assert.deepEqual(delivered, []);
  });

  test("replaces a link that is not open even when the client says resume", async () => {
    const { relay, network } = hostWorld();
    network.blocked = true;
    relay.accept("bob", "j1");
    const before = network.connections.filter((pc) => pc.label === "h").length;
    relay.accept("bob", "j2", true);
    assert.equal(network.connections.filter((pc) => pc.label === "h").length, before + 1);
  });

  test("drops a dead link naming its joinId, shows it disconnected once, then removes it", async () => {
    const { relay, open, client, drops, maps, statusLog } = hostWorld();
    relay.accept("bob", "j1");
    relay.accept("cid", "j2");
    await open("bob");
    await open("cid");
    await until(() => relay.states.cid === "connected" && relay.states.bob === "connected", "both connected");
    const seen = maps.length;
    client("cid").link.close();
    await until(() => drops.length === 1, "the drop");
    assert.deepEqual(drops, [["cid", "j2"]]);
    assert.deepEqual(maps.slice(seen), [
      { h: "connected", bob: "connected", cid: "disconnected" },
      { h: "connected", bob: "connected" },
    ]);
    await until(
      () => statusLog("bob").some(([, body]) => JSON.stringify(body) === '{"cid":null}'),
      "removal",
    );
    assert.deepEqual(statusLog("bob").slice(-2), [
      ["sd", { cid: "disconnected" }],
      ["sd", { cid: null }],
    ]);
  });

  test("forgets a link that never opened within the negotiation timeout, without drop", () => {
    const { relay, network, clock, drops, maps, logger } = hostWorld();
    network.blocked = true;
    relay.accept("bob", "j1");
    clock.advance(9999);
    assert.equal(relay.states.bob, "negotiating");
    clock.advance(1);
    assert.deepEqual(relay.states, { h: "connected" });
    assert.deepEqual(
      maps.slice(-2).map((m) => m.bob),
      ["disconnected", undefined],
    );
    assert.deepEqual(drops, []);
    assert.ok(logger.has("info", "did not open in time"));
    assert.equal(network.connections[0]!.signalingState, "closed");
  });

  test("does not time out a link that opened", async () => {
    const { relay, open, clock } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    await until(() => relay.states.bob === "connected", "connected");
    assert.equal(clock.pending, 2, "the negotiation timer is gone: only the two links' heartbeats wait");
  });

  test("removes a client the server says left, without drop", async () => {
    const { relay, open, drops, maps } = hostWorld();
    relay.accept("bob", "j1");
    await open("bob");
    relay.peerLeft("bob");
    assert.deepEqual(
      maps.slice(-2).map((m) => m.bob),
      ["disconnected", undefined],
    );
    assert.deepEqual(drops, []);
  });

  test("relays a client's data to everyone, stamped with the link's peer id", async () => {
    const { relay, open, client, delivered } = hostWorld();
    relay.accept("bob", "j1");
    relay.accept("cid", "j2");
    await open("bob");
    await open("cid");
    await client("bob").link.send(encodeMessage({ t: "d", s: "mallory" }, "hi"));
    await until(() => delivered.length === 1, "delivered at the host");
    assert.deepEqual(delivered, [{ type: "Data", senderId: "bob", data: "hi" }]);
    const data = (name: string) => client(name).received.filter((m) => m.envelope.t === "d");
    await until(() => data("cid").length === 1 && data("bob").length === 1, "relayed to both");
    assert.equal(data("cid")[0]!.envelope.s, "bob");
  });
});
