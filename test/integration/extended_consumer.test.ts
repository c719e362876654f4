import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { Channel } from "../../src/cable/channel.js";
import type { CableConsumer } from "../../src/client/cable_consumer.js";
import { createNodeConsumer } from "../../src/node/node_consumer.js";
import {
  createTestChannel,
  deferred,
  identifier,
  RawClient,
  startCable,
  withDeadline,
} from "../support/cable.js";
import { startTcpProxy } from "../support/tcp_proxy.js";

// The consumer every page and Node peer uses by default (`createExtendedConsumer`, here on `ws`
// through `createNodeConsumer`), against our real server: what a subscription's mixin sees when the
// socket blips, on a server that offers the extended protocol and on one that does not.

/** A subscription whose mixin calls and messages are recorded in order. */
function record(
  t: TestContext,
  consumer: CableConsumer,
  params: { channel: string; [key: string]: unknown },
) {
  t.after(() => consumer.disconnect());
  const calls: string[] = [];
  const messages: unknown[] = [];
  const waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      if (!waiter.check()) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const note = (call: string) => () => {
    calls.push(call);
    settle();
  };
  const subscription = consumer.subscriptions.create(params, {
    connected: note("connected"),
    disconnected: note("disconnected"),
    interrupted: note("interrupted"),
    restored: note("restored"),
    rejected: note("rejected"),
    received: (data) => {
      messages.push(data);
      settle();
    },
  });
  /** Resolves once `check` holds (checked after every call and message). */
  const until = (check: () => boolean, description: string) => {
    if (check()) return Promise.resolve();
    const { promise, resolve } = deferred();
    waiters.push({ check, resolve });
    return withDeadline(promise, description);
  };
  const count = (call: string) => calls.filter((c) => c === call).length;
  return { subscription, calls, messages, until, count };
}

describe("createExtendedConsumer against our server", () => {
  test("a cut socket is restored: missed broadcasts once and in order, held actions after them, no second subscribe", async (t) => {
    const events: string[] = [];
    const { port, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const proxy = await startTcpProxy(port, t);
    const consumer = createNodeConsumer(`ws://127.0.0.1:${proxy.port}/cable`);
    const room = record(t, consumer, { channel: "TestChannel", room: "h" });
    await room.until(() => room.count("connected") === 1, "the subscription");
    await cable.broadcast("test:h", { n: 0 });
    await room.until(() => room.messages.length === 1, "the first broadcast");

    assert.equal(proxy.goDown(), 1);
    await room.until(() => room.count("interrupted") === 1, "interrupted");
    for (let n = 1; n <= 20; n++) await cable.broadcast("test:h", { n });
    room.subscription.perform("speak", { text: "held 1" });
    room.subscription.perform("speak", { text: "held 2" });
    await withDeadline(
      (async () => {
        while (proxy.refused === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      "a reconnect attempt while the network is down",
    );
    proxy.restore();

    await room.until(() => room.messages.length === 23, "20 missed broadcasts and the 2 held actions");
    assert.deepEqual(room.messages, [
      ...Array.from({ length: 21 }, (_, n) => ({ n })),
      { text: "held 1" },
      { text: "held 2" },
    ]);
    assert.deepEqual(room.calls, ["connected", "interrupted", "restored"]);
    assert.deepEqual(events, [`subscribed:${identifier({ channel: "TestChannel", room: "h" })}`]);
  });

  test("a subscription cut before its first broadcast gets what was sent meanwhile, and a fresh one nothing older", async (t) => {
    const { port, cable } = await startCable(t, { channels: [createTestChannel()] });
    const proxy = await startTcpProxy(port, t);
    // Sent before anyone subscribed: kept in the stream's history, and never this client's.
    await cable.broadcast("test:q", { n: -1 });
    const consumer = createNodeConsumer(`ws://127.0.0.1:${proxy.port}/cable`);
    const room = record(t, consumer, { channel: "TestChannel", room: "q" });
    await room.until(() => room.count("connected") === 1, "the subscription");
    proxy.cut();
    await room.until(() => room.count("interrupted") === 1, "interrupted");
    for (let n = 1; n <= 5; n++) await cable.broadcast("test:q", { n });
    await room.until(() => room.messages.length === 5, "the 5 broadcasts sent while away");
    assert.deepEqual(
      room.messages,
      Array.from({ length: 5 }, (_, i) => ({ n: i + 1 })),
    );
    assert.deepEqual(room.calls, ["connected", "interrupted", "restored"]);
  });

  test("on a server without the extended protocol it speaks the plain one: a cut socket subscribes afresh", async (t) => {
    const events: string[] = [];
    const { port, cable } = await startCable(t, {
      channels: [createTestChannel(events)],
      extendedProtocol: false,
    });
    const proxy = await startTcpProxy(port, t);
    const consumer = createNodeConsumer(`ws://127.0.0.1:${proxy.port}/cable`);
    const room = record(t, consumer, { channel: "TestChannel", room: "p" });
    await room.until(() => room.count("connected") === 1, "the subscription");
    room.subscription.perform("speak", { text: "hello" });
    await room.until(() => room.messages.length === 1, "the action's broadcast");
    assert.deepEqual(room.messages, [{ text: "hello" }], "no offsets: plain frames");

    proxy.cut();
    await room.until(() => room.count("connected") === 2, "subscribed again on a new socket");
    assert.deepEqual(room.calls, ["connected", "disconnected", "connected"]);
    const id = identifier({ channel: "TestChannel", room: "p" });
    assert.deepEqual(events, [`subscribed:${id}`, `unsubscribed:${id}`, `subscribed:${id}`]);
    await cable.broadcast("test:p", { n: 1 });
    await room.until(() => room.messages.length === 2, "a broadcast on the new subscription");
  });

  test("a refused subscription hears the server's reason before `rejected`", async (t) => {
    class RefusingChannel extends Channel {
      static override readonly channelName = "RefusingChannel";
      override subscribed(): void {
        this.reject("expired_token", "the token expired");
      }
    }
    const { url } = await startCable(t, { channels: [RefusingChannel] });
    const consumer = createNodeConsumer(url);
    const refused = record(t, consumer, { channel: "RefusingChannel" });
    await refused.until(() => refused.count("rejected") === 1, "the rejection");
    assert.deepEqual(refused.messages, [
      { type: "error", reason: "expired_token", message: "the token expired" },
    ]);
    assert.deepEqual(refused.calls, ["rejected"]);
  });

  test("an action performed right before disconnect() still reaches the server", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const listener = await RawClient.connect(url);
    t.after(() => listener.close());
    await listener.subscribed(identifier({ channel: "TestChannel", room: "bye" }));
    const consumer = createNodeConsumer(url);
    const leaving = record(t, consumer, { channel: "TestChannel", room: "bye" });
    await leaving.until(() => leaving.count("connected") === 1, "the subscription");
    leaving.subscription.perform("speak", { text: "goodbye" });
    consumer.disconnect();
    const heard = await listener.next((frame) => "message" in frame, "the last action's broadcast");
    assert.deepEqual(heard.message, { text: "goodbye" });
  });

  test("a consumer disconnected from its own `disconnected` stays closed (no reconnect behind it)", async (t) => {
    const { port, cable } = await startCable(t, { channels: [createTestChannel()] });
    const proxy = await startTcpProxy(port, t);
    const consumer = createNodeConsumer(`ws://127.0.0.1:${proxy.port}/cable`);
    t.after(() => consumer.disconnect());
    const gone = deferred();
    consumer.subscriptions.create(
      { channel: "TestChannel", room: "z" },
      {
        connected: () => void cable.close(),
        disconnected: () => {
          consumer.disconnect();
          gone.resolve();
        },
      },
    );
    await withDeadline(gone.promise, "disconnected by the server's close");
    // AnyCable's monitor once reconnected such a consumer within its first backoff step (≤ 375 ms):
    // a window four times that long sees no second connection.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(proxy.accepted, 1);
  });

  test("disconnect() unsubscribes first, so the server ends the session at once instead of keeping it", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const consumer = createNodeConsumer(url);
    const one = record(t, consumer, { channel: "TestChannel", room: "a" });
    const two = record(t, consumer, { channel: "TestChannel", room: "b" });
    await one.until(() => one.count("connected") === 1, "the first subscription");
    await two.until(() => two.count("connected") === 1, "the second subscription");
    // As Room.leave() does: one subscription left on its own, then the consumer disconnected.
    one.subscription.unsubscribe();
    consumer.disconnect();
    // Within the default deadline of 5 s, where a kept session would wait for its 15 s TTL.
    await withDeadline(
      (async () => {
        while (events.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      "both unsubscribed",
    );
    const a = identifier({ channel: "TestChannel", room: "a" });
    const b = identifier({ channel: "TestChannel", room: "b" });
    assert.deepEqual(events.slice(2).sort(), [`unsubscribed:${a}`, `unsubscribed:${b}`].sort());
  });
});
