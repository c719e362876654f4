import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import type { Cable, Channel } from "@anycable/core";
import { TurboStreamsChannel } from "../../src/channels/turbo_streams_channel.js";
import { createTestChannel, startCable, withDeadline } from "../support/cable.js";
import { anyCable } from "../support/official_clients.js";

function cableFor(t: TestContext, url: string): Cable {
  const cable = anyCable(url);
  t.after(() => cable.disconnect());
  return cable;
}

/** Collects a channel's messages; `nth(n)` waits until n have arrived and returns the nth. */
function inbox(channel: Channel) {
  const messages: unknown[] = [];
  const waiters = new Set<() => void>();
  channel.on("message", (message) => {
    messages.push(message);
    for (const wake of waiters) wake();
  });
  return {
    messages,
    async nth(n: number): Promise<unknown> {
      let wake!: () => void;
      const reached = new Promise<void>((resolve) => {
        wake = () => {
          if (messages.length >= n) resolve();
        };
        waiters.add(wake);
        wake();
      });
      await withDeadline(reached, `message #${n}; got ${JSON.stringify(messages)}`).finally(() =>
        waiters.delete(wake),
      );
      return messages[n - 1];
    },
  };
}

/** Resolves on the channel's next `event`. */
function once(channel: Channel, event: "connect" | "disconnect" | "close"): Promise<unknown> {
  return withDeadline(
    new Promise((resolve) => channel.once(event, resolve as () => void)),
    `channel ${event}`,
  );
}

describe("@anycable/core against the cable", () => {
  test("connects, subscribes, performs and receives broadcasts", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = cableFor(t, url);
    const channel = client.subscribeTo("TestChannel", { room: "7" });
    const received = inbox(channel);
    await withDeadline(channel.ensureSubscribed(), "subscription");
    assert.equal(channel.state, "connected");
    // AnyCable sorts the params; the server must echo that exact identifier back.
    assert.deepEqual(events, ['subscribed:{"channel":"TestChannel","room":"7"}']);

    await channel.perform("echo", { text: "hi" });
    assert.deepEqual(await received.nth(1), { type: "echo", data: { text: "hi", action: "echo" } });

    await channel.perform("speak", { text: "to everyone" });
    assert.deepEqual(await received.nth(2), { text: "to everyone" });

    await cable.broadcast("test:7", { from: "server" });
    assert.deepEqual(await received.nth(3), { from: "server" });
  });

  test("sends params in sorted key order and gets its identifier echoed", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = cableFor(t, url);
    const channel = client.subscribeTo("TestChannel", { zeta: "z", alpha: "a" });
    await withDeadline(channel.ensureSubscribed(), "subscription");
    assert.deepEqual(events, ['subscribed:{"alpha":"a","channel":"TestChannel","zeta":"z"}']);
  });

  test("is rejected by a channel that rejects", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const client = cableFor(t, url);
    const channel = client.subscribeTo("TestChannel", { reject: true });
    const closed = once(channel, "close");
    await assert.rejects(withDeadline(channel.ensureSubscribed(), "rejection"), /rejected/i);
    await closed;
    assert.equal(channel.state, "closed");
  });

  test("receives Turbo stream HTML through Turbo::StreamsChannel", async (t) => {
    const { url, cable } = await startCable(t, { channels: [TurboStreamsChannel] });
    const client = cableFor(t, url);
    const channel = client.subscribeTo("Turbo::StreamsChannel", {
      signed_stream_name: cable.signer.signStreamName("room:1"),
    });
    const received = inbox(channel);
    await withDeadline(channel.ensureSubscribed(), "subscription");
    await cable.broadcast("room:1", '<turbo-stream action="remove" target="m1"></turbo-stream>');
    assert.equal(await received.nth(1), '<turbo-stream action="remove" target="m1"></turbo-stream>');
  });

  test("closes for good after an unauthorized disconnect", async (t) => {
    const { url } = await startCable(t, { authenticate: () => null });
    const client = cableFor(t, url);
    const closed = withDeadline(new Promise((resolve) => client.on("close", resolve)), "cable close");
    client.subscribeTo("TestChannel");
    const reason = (await closed) as { reason?: string };
    assert.equal(reason.reason, "unauthorized");
    assert.equal(client.state, "closed");
  });

  test("reconnects and restores its subscriptions after the server restarts", async (t) => {
    const first = await startCable(t, { channels: [createTestChannel()] });
    const client = cableFor(t, first.url);
    const room = client.subscribeTo("TestChannel", { room: "r" });
    const lobby = client.subscribeTo("TestChannel", { room: "lobby" });
    const received = inbox(room);
    await withDeadline(Promise.all([room.ensureSubscribed(), lobby.ensureSubscribed()]), "subscriptions");

    const disconnected = once(room, "disconnect");
    await withDeadline(first.cable.close(), "the first server to close");
    await disconnected;

    const after: string[] = [];
    const reconnected = once(room, "connect");
    const second = await startCable(t, { channels: [createTestChannel(after)] }, first.port);
    assert.deepEqual(await reconnected, { reconnect: true, restored: false });
    await withDeadline(lobby.ensureSubscribed(), "the lobby subscription back");
    assert.deepEqual(
      after.sort(),
      [`subscribed:${lobby.identifier}`, `subscribed:${room.identifier}`].sort(),
    );

    await second.cable.broadcast("test:r", "after the restart");
    assert.equal(await received.nth(1), "after the restart");
  });
});
