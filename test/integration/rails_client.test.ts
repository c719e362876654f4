import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { describe, test } from "node:test";
import type { Consumer } from "@rails/actioncable";
import { TurboStreamsChannel } from "../../src/channels/turbo_streams_channel.js";
import { html } from "../../src/html/html.js";
import { turboStreams } from "../../src/html/turbo_stream.js";
import { createTestChannel, startCable, withDeadline } from "../support/cable.js";
import { railsConsumer, railsInternals } from "../support/official_clients.js";

/** Records a Rails subscription's callbacks and lets the test wait for the nth of each. */
class Recorder {
  readonly calls: Array<[string, unknown]> = [];
  readonly #waiters = new Set<() => void>();

  readonly mixin = {
    connected: (arg: unknown) => this.#record("connected", arg),
    disconnected: (arg: unknown) => this.#record("disconnected", arg),
    rejected: () => this.#record("rejected", undefined),
    received: (data: unknown) => this.#record("received", data),
  };

  of(name: string): unknown[] {
    return this.calls.filter(([n]) => n === name).map(([, arg]) => arg);
  }

  /** Waits until `name` has been called `count` times in all, and returns that call's argument. */
  async nth(name: string, count: number): Promise<unknown> {
    let wake!: () => void;
    const reached = new Promise<void>((resolve) => {
      wake = () => {
        if (this.of(name).length >= count) resolve();
      };
      this.#waiters.add(wake);
      wake();
    });
    await withDeadline(reached, `${name} #${count}; calls so far ${JSON.stringify(this.calls)}`).finally(() =>
      this.#waiters.delete(wake),
    );
    return this.of(name)[count - 1];
  }

  #record(name: string, arg: unknown): void {
    this.calls.push([name, arg]);
    for (const wake of this.#waiters) wake();
  }
}

function consumerFor(t: TestContext, url: string): Consumer {
  const consumer = railsConsumer(url);
  // Stops the monitor too, so no reconnect timer outlives the test.
  t.after(() => consumer.disconnect());
  return consumer;
}

describe("@rails/actioncable against the cable", () => {
  test("connects, subscribes, performs and receives broadcasts", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const consumer = consumerFor(t, url);
    const recorder = new Recorder();
    const subscription = consumer.subscriptions.create({ channel: "TestChannel", room: "7" }, recorder.mixin);
    assert.deepEqual(await recorder.nth("connected", 1), { reconnected: false });
    assert.deepEqual(events, ['subscribed:{"channel":"TestChannel","room":"7"}']);

    subscription.perform("echo", { text: "hi" });
    assert.deepEqual(await recorder.nth("received", 1), {
      type: "echo",
      data: { text: "hi", action: "echo" },
    });

    subscription.perform("speak", { text: "to everyone" });
    assert.deepEqual(await recorder.nth("received", 2), { text: "to everyone" });

    await cable.broadcast("test:7", "from the server");
    assert.equal(await recorder.nth("received", 3), "from the server");
  });

  test("confirms a second identical subscription created after the first was confirmed", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const consumer = consumerFor(t, url);
    const first = new Recorder();
    const second = new Recorder();
    consumer.subscriptions.create({ channel: "TestChannel", room: "d" }, first.mixin);
    await first.nth("connected", 1);
    consumer.subscriptions.create({ channel: "TestChannel", room: "d" }, second.mixin);
    await second.nth("connected", 1);
    assert.equal(events.length, 1, "subscribed ran once");
    await cable.broadcast("test:d", 1);
    await cable.broadcast("test:d", 2);
    await first.nth("received", 2);
    await second.nth("received", 2);
    assert.deepEqual(first.of("received"), [1, 2]);
    assert.deepEqual(second.of("received"), [1, 2]);
  });

  test("calls rejected when the channel rejects", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const consumer = consumerFor(t, url);
    const recorder = new Recorder();
    consumer.subscriptions.create({ channel: "TestChannel", reject: true }, recorder.mixin);
    await recorder.nth("rejected", 1);
    assert.equal(recorder.of("connected").length, 0);
    assert.equal(railsInternals(consumer).subscriptions.subscriptions.length, 0);
  });

  test("calls rejected for an unknown channel instead of retrying for ever", async (t) => {
    const { url } = await startCable(t);
    const consumer = consumerFor(t, url);
    const recorder = new Recorder();
    consumer.subscriptions.create({ channel: "NoSuchChannel" }, recorder.mixin);
    await recorder.nth("rejected", 1);
  });

  test("stays down after an unauthorized disconnect", async (t) => {
    const { url } = await startCable(t, { authenticate: () => null });
    const consumer = consumerFor(t, url);
    const recorder = new Recorder();
    consumer.subscriptions.create({ channel: "TestChannel" }, recorder.mixin);
    assert.deepEqual(await recorder.nth("disconnected", 1), { willAttemptReconnect: false });
    assert.equal(railsInternals(consumer).connection.monitor.isRunning(), false);
  });

  test("receives Turbo stream HTML as a string through Turbo::StreamsChannel", async (t) => {
    const { url, cable } = await startCable(t, { channels: [TurboStreamsChannel] });
    const consumer = consumerFor(t, url);
    const recorder = new Recorder();
    const signed = cable.signer.signStreamName("room:42");
    consumer.subscriptions.create(
      { channel: "Turbo::StreamsChannel", signed_stream_name: signed },
      recorder.mixin,
    );
    await recorder.nth("connected", 1);
    const stream = turboStreams.append("messages", html`<p>${"<hi>"}</p>`);
    await cable.broadcast("room:42", stream);
    assert.equal(await recorder.nth("received", 1), stream);
  });

  test("reconnects and restores its subscriptions after the server restarts", async (t) => {
    const before: string[] = [];
    const first = await startCable(t, { channels: [createTestChannel(before)] });
    const consumer = consumerFor(t, first.url);
    const recorder = new Recorder();
    const room = consumer.subscriptions.create({ channel: "TestChannel", room: "r" }, recorder.mixin);
    const lobby = consumer.subscriptions.create(
      { channel: "TestChannel", room: "lobby" },
      new Recorder().mixin,
    );
    await recorder.nth("connected", 1);

    await withDeadline(first.cable.close(), "the first server to close");
    assert.deepEqual(await recorder.nth("disconnected", 1), { willAttemptReconnect: true });

    const after: string[] = [];
    const second = await startCable(t, { channels: [createTestChannel(after)] }, first.port);
    // The monitor would reopen 6–20 s later; reopen now, as a visibilitychange would.
    railsInternals(consumer).connection.reopen();
    await recorder.nth("connected", 2);
    assert.deepEqual(
      after.sort(),
      [`subscribed:${lobby.identifier}`, `subscribed:${room.identifier}`].sort(),
    );

    await second.cable.broadcast("test:r", "after the restart");
    assert.equal(await recorder.nth("received", 1), "after the restart");
  });
});
