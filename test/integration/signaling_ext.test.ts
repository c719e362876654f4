import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createSignalingChannel } from "../../src/channels/signaling_channel.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import { MemorySessionStore } from "../../src/store/memory.js";
import { deferred, startCable, withDeadline } from "../support/cable.js";
import { extCable, nextCableEvent, nextInfo, positionedInbox } from "../support/ext_client.js";
import { railsConsumer } from "../support/official_clients.js";
import { startTcpProxy } from "../support/tcp_proxy.js";

type Message = Record<string, unknown>;

describe("SignalingChannel on the extended protocol", () => {
  test("a host whose socket blips gets the signals sent meanwhile once, in order, without a new join", async (t) => {
    const store = new MemorySessionStore();
    const { cable, port, url } = await startCable(t, { channels: [createSignalingChannel({ store })] });
    const proxy = await startTcpProxy(port, t);
    const token = (peerId: string) => signSessionToken(cable.signer, { sessionId: "s1", peerId });

    const host = extCable(t, `ws://127.0.0.1:${proxy.port}/cable`, 300);
    const channel = host.subscribeTo("SignalingChannel", { token: token("ann") });
    const atHost = positionedInbox(channel);
    await withDeadline(channel.ensureSubscribed(), "the host's subscription");
    await channel.perform("join", {});
    await atHost.count(1);
    assert.equal((atHost.messages[0] as Message).type, "ready");

    const member = railsConsumer(url);
    t.after(() => member.disconnect());
    const confirmed = deferred();
    const fromServer: Message[] = [];
    const subscription = member.subscriptions.create(
      { channel: "SignalingChannel", token: token("bob") },
      { connected: () => confirmed.resolve(), received: (m: Message) => fromServer.push(m) },
    );
    await withDeadline(confirmed.promise, "the member's subscription");
    subscription.perform("join", {});
    await atHost.count(2); // bob's ready, on the session stream

    const reconnected = nextCableEvent<{ restored: boolean }>(host, "connect");
    proxy.cut();
    const signals = [
      { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" },
      ...Array.from({ length: 5 }, (_, i) => ({
        type: "candidate",
        candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${5000 + i} typ host`, sdpMid: "0" },
      })),
    ];
    for (const signal of signals) subscription.perform("signal", { to: "ann", signal });
    const history = nextInfo(channel, "history_received");
    assert.equal((await reconnected).restored, true);
    await history;
    await atHost.count(2 + signals.length);
    const relayed = atHost.messages.slice(2) as Message[];
    assert.deepEqual(
      relayed.map((m) => m.signal),
      signals,
    );
    assert.ok(relayed.every((m) => m.type === "signal" && m.from === "bob"));
    assert.deepEqual(await store.peers("s1"), ["ann", "bob"], "ann is still the host: no new join, no reset");
    assert.equal(atHost.messages.filter((m) => (m as Message).type === "ready").length, 2);
    assert.ok(!fromServer.some((m) => m.type === "host-left"));
  });
});
