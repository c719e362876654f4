import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeBody, encodeMessage } from "../../src/client/session/message_codec.js";
import { PeerLink, type PeerLinkSettings } from "../../src/client/session/peer_link.js";
import { sessionDefaults } from "../../src/client/session/types.js";
import type { SessionSignal as WireSignal } from "../../src/protocol/session_messages.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import { FakePeerNetwork } from "../../src/testing/fake_peer_network.js";
import { TestLogger } from "../../src/testing/test_logger.js";
import { elapse, settle, until } from "../support/turns.js";

/** A host link and a client link on one fake network, signalling each other directly (no cable). */
function linkedPair() {
  const clock = new FakeClock();
  const network = new FakePeerNetwork();
  const settings = (label: string): PeerLinkSettings => ({
    configuration: { iceServers: [] },
    createPeerConnection: network.factory(label),
    heartbeat: { intervalMs: 1000, idleTimeoutMs: 4000 },
    clock,
    logger: new TestLogger(),
    chunkSize: 1024,
  });
  let client: PeerLink | null = null;
  const toClient: WireSignal[] = [];
  const host = new PeerLink({
    ...settings("host"),
    peerId: "bob",
    side: "host",
    signal: (signal) => {
      toClient.push(signal);
      client?.receiveSignal(signal);
    },
  });
  client = new PeerLink({
    ...settings("bob"),
    peerId: "host",
    side: "client",
    signal: (signal) => host.receiveSignal(signal),
  });
  for (const signal of toClient) client.receiveSignal(signal);
  return { clock, network, host, client };
}

describe("PeerLink on a FakePeerNetwork", () => {
  test("opens a data channel between host and client and carries messages both ways", async () => {
    const { host, client, network } = linkedPair();
    await until(() => host.open && client.open, "both links open");
    assert.deepEqual(
      network.connections.map((pc) => pc.connectionState),
      ["connected", "connected"],
    );
    const heard: unknown[] = [];
    client.on("message", (message) => heard.push(decodeBody(message)));
    host.on("message", (message) => heard.push(decodeBody(message)));
    await host.send(encodeMessage({ t: "d" }, "to the client"));
    await client.send(encodeMessage({ t: "d" }, { big: "x".repeat(5000) }));
    await until(() => heard.length === 2, "both messages");
    assert.deepEqual(heard, ["to the client", { big: "x".repeat(5000) }]);
  });

  test("ignores an answer that arrives with no offer of its own outstanding", async () => {
    const { host, client } = linkedPair();
    await until(() => host.open && client.open, "both links open");
    const errors: unknown[] = [];
    host.on("error", (error) => errors.push(error));
    host.receiveSignal({ type: "answer", sdp: "v=0 answer to a link this one replaced" });
    await settle();
    assert.deepEqual(errors, []);
    assert.equal(host.state, "connected");
    assert.equal(host.negotiation.peerConnection.signalingState, "stable");
  });

  test("keeps an idle open link alive with heartbeats", async () => {
    const { host, client, clock } = linkedPair();
    await until(() => host.open && client.open, "both links open");
    await elapse(clock, 12_000);
    assert.equal(host.state, "connected");
    assert.equal(client.state, "connected");
  });

  test("reports disconnected on one side when the other closes", async () => {
    const { host, client } = linkedPair();
    await until(() => host.open && client.open, "both links open");
    const states: string[] = [];
    client.on("state", (state) => states.push(state));
    host.close();
    await until(() => states.length > 0, "the client to notice");
    assert.deepEqual(states, ["disconnected"]);
  });

  test("reports disconnected when the peer connection fails before it opened", async () => {
    const { host, network } = linkedPair();
    network.connections[0]!.setConnectionState("failed");
    assert.equal(host.state, "disconnected");
  });

  test("takes a failed connection of an open link for an interruption, dead only after iceRestart.timeoutMs", async () => {
    const { host, client, network, clock } = linkedPair();
    await until(() => host.open && client.open, "both links open");
    const ice: string[] = [];
    host.on("ice", (state) => ice.push(state));
    network.connections[0]!.setConnectionState("failed");
    assert.equal(host.state, "connected");
    assert.equal(host.interrupted, true);
    assert.deepEqual(ice, ["interrupted"]);
    assert.equal(network.connections[0]!.restarts, 1, "the host side restarts at once");
    await elapse(clock, sessionDefaults.iceRestart.timeoutMs + 200);
    assert.equal(host.state, "disconnected");
  });

  test("tells a restart offer of the same connection from the offer of a new one", async () => {
    const { host, client } = linkedPair();
    await until(() => host.open && client.open, "both links open");
    const own = host.negotiation.peerConnection.localDescription!.sdp!;
    assert.equal(client.sameConnection(own), true);
    assert.equal(client.sameConnection(own.replace(/fingerprint:.*/, "fingerprint:fake other")), false);
    assert.equal(client.sameConnection("v=0"), false);
  });
});
