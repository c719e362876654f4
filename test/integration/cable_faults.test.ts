import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, test } from "node:test";
import { Channel } from "../../src/cable/channel.js";
import type { TeardownFailure } from "../../src/cable/observer.js";
import { CableServer } from "../../src/cable/server.js";
import type { PubSubHandler } from "../../src/pubsub/adapter.js";
import { MemoryPubSub } from "../../src/pubsub/memory.js";
import { cableMetrics } from "../../src/server/cable_metrics.js";
import {
  createTestChannel,
  identifier,
  RawClient,
  recordingLogger,
  startCable,
  TEST_SECRET,
  withDeadline,
} from "../support/cable.js";
import { parseExposition } from "../support/metrics_scrape.js";

// Faults in what a teardown calls (a pub/sub stop that rejects, an `unsubscribed` that throws or
// never returns, an `authenticate` that never answers) must not keep a connection counted, block a
// socket, or hold `close()`. Bounds are asserted with wide margins: CI machines are busy.

const ROOM1 = identifier({ channel: "TestChannel", room: "1" });
const ROOM2 = identifier({ channel: "TestChannel", room: "2" });
const MARGIN_MS = 4000;

/** A test channel whose `unsubscribed` never resolves: a teardown that hangs. */
function stuckChannel() {
  return class Stuck extends createTestChannel() {
    override unsubscribed(): Promise<void> {
      return new Promise<void>(() => {});
    }
  };
}

/** Lets `n` turns of the event loop pass: what a fired timer would set off has happened by then. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A real MemoryPubSub whose stop of a stream starting with `prefix` rejects and leaves the handler
 * subscribed, as a pub/sub that lost its server would.
 */
class StopFailsPubSub extends MemoryPubSub {
  readonly #prefix: string;

  constructor(prefix: string) {
    super();
    this.#prefix = prefix;
  }

  override async subscribe(stream: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    const stop = await super.subscribe(stream, handler);
    if (!stream.startsWith(this.#prefix)) return stop;
    return async () => {
      throw new Error(`lost the pub/sub server while stopping "${stream}"`);
    };
  }
}

/** The test channel, streaming from `other:<room>` as well as `test:<room>`. */
function twoStreamChannel(events: string[] = []) {
  return class TwoStreams extends createTestChannel(events) {
    override async subscribed(): Promise<void> {
      await super.subscribed();
      if (!this.rejected) await this.streamFrom(`other:${String(this.params.room ?? "all")}`);
    }
  };
}

/** What the cable tells its observers about closed connections and failed teardowns, with waits. */
function watch(cable: CableServer) {
  const failures: (TeardownFailure & { error: string })[] = [];
  const counts = { closed: 0 };
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  cable.observe({
    connectionClosed: () => {
      counts.closed++;
      wake();
    },
    teardownFailed: (_connection, what, error) => {
      failures.push({ ...what, error: String(error) });
      wake();
    },
  });
  const until = (holds: () => boolean, description: string, timeoutMs = 5000): Promise<void> => {
    if (holds()) return Promise.resolve();
    let waiter!: () => void;
    const waiting = new Promise<void>((resolve) => {
      waiter = () => {
        if (holds()) resolve();
      };
      waiters.add(waiter);
    });
    return withDeadline(waiting, description, timeoutMs).finally(() => waiters.delete(waiter));
  };
  return { failures, counts, until };
}

/**
 * A WebSocket peer that completes the upgrade and then never answers anything, the close
 * handshake included (a peer that stopped reading its socket).
 */
async function silentPeer(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, "127.0.0.1");
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => {});
  socket.write(
    [
      "GET /cable HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Protocol: actioncable-v1-json",
      "",
      "",
    ].join("\r\n"),
  );
  let received = "";
  await withDeadline(
    new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
        if (received.includes("welcome")) resolve();
      });
    }),
    "the silent peer's upgrade and welcome",
  );
  assert.match(received, /^HTTP\/1\.1 101 /);
  return { socket, closed };
}

describe("teardown faults", () => {
  test("releases a closed socket's connection when a stream's stop rejects, stopping the other streams", async (t) => {
    const logger = recordingLogger();
    const pubsub = new StopFailsPubSub("test:");
    const { url, cable } = await startCable(t, { channels: [twoStreamChannel()], pubsub, logger });
    const seen = watch(cable);
    const metrics = cableMetrics(cable);
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    assert.deepEqual(cable.stats(), { connections: 1, subscriptions: 1 });
    assert.equal(pubsub.streamCount, 2);

    client.close();
    await seen.until(() => seen.counts.closed === 1, "the connection to be released");

    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
    assert.equal(pubsub.streamCount, 1, "other:1 was stopped, only the failing test:1 is left");
    assert.deepEqual(seen.failures, [
      {
        step: "stop_stream",
        channel: "TestChannel",
        stream: "test:1",
        error: 'Error: lost the pub/sub server while stopping "test:1"',
      },
    ]);
    const line = await logger.waitFor("teardown failed");
    assert.equal(line.level, "error");
    assert.deepEqual(
      { step: line.details?.step, channel: line.details?.channel, stream: line.details?.stream },
      { step: "stop_stream", channel: "TestChannel", stream: "test:1" },
    );
    const scrape = parseExposition(await metrics.metrics());
    assert.equal(
      scrape.value("p2p_teardown_errors_total", { step: "stop_stream", channel: "TestChannel" }),
      1,
    );
    assert.equal(scrape.value("p2p_connections"), 0);
    assert.equal(scrape.value("p2p_subscriptions", { channel: "TestChannel" }), 0);
    await withDeadline(cable.close(), "close()");
  });

  test("releases the subscription on unsubscribe when a stream's stop rejects, and keeps serving the socket", async (t) => {
    const logger = recordingLogger();
    const pubsub = new StopFailsPubSub("test:1");
    const { url, cable } = await startCable(t, { channels: [twoStreamChannel()], pubsub, logger });
    const seen = watch(cable);
    const metrics = cableMetrics(cable);
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);

    client.send({ command: "unsubscribe", identifier: ROOM1 });
    await client.subscribed(ROOM2); // runs after the unsubscribe: the queue went on
    client.perform(ROOM2, { action: "echo", n: 1 });
    await client.next((f) => (f.message as { type?: string })?.type === "echo", "echo on room 2");

    assert.deepEqual(cable.stats(), { connections: 1, subscriptions: 1 });
    assert.deepEqual(
      seen.failures.map((f) => [f.step, f.channel, f.stream]),
      [["stop_stream", "TestChannel", "test:1"]],
    );
    assert.equal((await logger.waitFor("teardown failed")).details?.stream, "test:1");
    assert.equal(pubsub.streamCount, 3, "test:1 (failed to stop), test:2 and other:2; other:1 stopped");
    const scrape = parseExposition(await metrics.metrics());
    assert.equal(
      scrape.value("p2p_teardown_errors_total", { step: "stop_stream", channel: "TestChannel" }),
      1,
    );
    assert.equal(scrape.value("p2p_subscriptions", { channel: "TestChannel" }), 1);

    await withDeadline(cable.close(), "close()");
    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
  });

  test("closes every subscription when one channel's unsubscribed throws", async (t) => {
    const events: string[] = [];
    const logger = recordingLogger();
    const pubsub = new MemoryPubSub();
    const Base = createTestChannel(events);
    class Throwing extends Base {
      override unsubscribed(): void {
        super.unsubscribed();
        if (this.params.room === "1") throw new Error("cleanup exploded");
      }
    }
    const { url, cable } = await startCable(t, { channels: [Throwing], pubsub, logger });
    const seen = watch(cable);
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    await client.subscribed(ROOM2);

    client.close();
    await seen.until(() => seen.counts.closed === 1, "the connection to be released");

    assert.deepEqual(events.filter((e) => e.startsWith("unsubscribed:")).sort(), [
      `unsubscribed:${ROOM1}`,
      `unsubscribed:${ROOM2}`,
    ]);
    assert.equal(pubsub.streamCount, 0, "the throwing channel's stream was stopped too");
    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
    assert.deepEqual(seen.failures, [
      { step: "unsubscribed", channel: "TestChannel", stream: undefined, error: "Error: cleanup exploded" },
    ]);
    assert.equal((await logger.waitFor("teardown failed")).details?.step, "unsubscribed");
  });

  test("reports a failed stream stop after a rejection, still sending reject_subscription", async (t) => {
    const pubsub = new StopFailsPubSub("late:");
    class LateReject extends Channel {
      static override readonly channelName = "LateRejectChannel";
      override async subscribed(): Promise<void> {
        await this.streamFrom("late:1");
        this.reject("invalid_token", "refused after streaming");
      }
    }
    const { url, cable } = await startCable(t, { channels: [LateReject, createTestChannel()], pubsub });
    const seen = watch(cable);
    const client = await RawClient.connect(url);
    const late = identifier({ channel: "LateRejectChannel" });
    client.subscribe(late);
    await client.next((f) => f.identifier === late && f.type === "reject_subscription", "reject");

    assert.deepEqual(
      seen.failures.map((f) => [f.step, f.channel, f.stream]),
      [["stop_stream", "LateRejectChannel", "late:1"]],
    );
    await client.subscribed(ROOM1);
    assert.deepEqual(cable.stats(), { connections: 1, subscriptions: 1 });
  });

  test("stopAllStreams stops every stream even when one stop rejects, then fails naming it", async (t) => {
    const logger = recordingLogger();
    const pubsub = new StopFailsPubSub("test:");
    const { url, cable } = await startCable(t, { channels: [twoStreamChannel()], pubsub, logger });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);

    client.perform(ROOM1, { action: "stop" });
    const error = await client.next((f) => (f.message as { type?: string })?.type === "error", "error");
    assert.equal((error.message as { reason?: string }).reason, "action_failed");
    const line = await logger.waitFor("action failed");
    assert.match(String(line.details?.error), /Could not stop "test:1" of "TestChannel"/);

    await cable.broadcast("other:1", "after the stop");
    client.perform(ROOM1, { action: "echo" });
    await client.next((f) => (f.message as { type?: string })?.type === "echo", "echo");
    assert.equal(client.all((f) => f.message === "after the stop").length, 0, "other:1 was stopped");
  });
});

describe("close() deadline", () => {
  test("resolves within closeTimeoutMs when a channel's unsubscribed never resolves, forgetting the connection", async (t) => {
    const closeTimeoutMs = 500;
    const logger = recordingLogger();
    const Stuck = stuckChannel();
    const { url, cable } = await startCable(t, { channels: [Stuck], logger, closeTimeoutMs });
    const seen = watch(cable);
    const metrics = cableMetrics(cable);
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);

    const started = performance.now();
    await withDeadline(cable.close(), "close()", closeTimeoutMs + MARGIN_MS);
    const elapsed = performance.now() - started;
    t.diagnostic(`close() took ${elapsed.toFixed(0)} ms (closeTimeoutMs ${closeTimeoutMs})`);

    assert.ok(elapsed >= closeTimeoutMs - 20, `close() waited only ${elapsed} ms for the hung teardown`);
    assert.ok(elapsed < closeTimeoutMs + MARGIN_MS, `close() took ${elapsed} ms`);
    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
    assert.deepEqual(client.frames.at(-1), { type: "disconnect", reason: "server_restart", reconnect: true });
    assert.deepEqual(
      seen.failures.map((f) => [f.step, f.channel]),
      [["abandoned", undefined]],
    );
    assert.equal((await logger.waitFor("teardown failed")).details?.step, "abandoned");
    assert.equal(seen.counts.closed, 1);
    const scrape = parseExposition(await metrics.metrics());
    assert.equal(scrape.value("p2p_teardown_errors_total", { step: "abandoned", channel: "" }), 1);
    assert.equal(scrape.value("p2p_disconnects_total", { reason: "server_restart" }), 1);
  });

  test("terminates a socket that never answers the close handshake at closeTimeoutMs", async (t) => {
    const closeTimeoutMs = 1000; // long enough for the polite client's handshake on a busy machine
    const { port, cable } = await startCable(t, { closeTimeoutMs });
    const seen = watch(cable);
    const peer = await silentPeer(port);
    const polite = await RawClient.connect(`ws://127.0.0.1:${port}/cable`);
    assert.equal(cable.stats().connections, 2);

    const started = performance.now();
    await withDeadline(cable.close(), "close()", closeTimeoutMs + MARGIN_MS);
    const elapsed = performance.now() - started;
    t.diagnostic(`close() took ${elapsed.toFixed(0)} ms (closeTimeoutMs ${closeTimeoutMs})`);

    assert.ok(elapsed < closeTimeoutMs + MARGIN_MS, `close() took ${elapsed} ms`);
    await withDeadline(peer.closed, "the silent peer's socket to be ended by the server");
    assert.equal((await polite.closed).code, 1000, "the polite client closed cleanly");
    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
    assert.deepEqual(
      seen.failures.map((f) => f.step),
      ["abandoned"],
      "only the silent peer",
    );
  });

  test("closes the pub/sub it made even when it had to abandon connections", async (t) => {
    const Stuck = stuckChannel();
    const { url, cable } = await startCable(t, { channels: [Stuck], closeTimeoutMs: 200 });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    const pubsub = cable.pubsub as MemoryPubSub;
    assert.equal(pubsub.streamCount, 1);
    await withDeadline(cable.close(), "close()", 200 + MARGIN_MS);
    assert.equal(pubsub.streamCount, 0, "the owned MemoryPubSub was closed");
    await withDeadline(cable.close(), "a second close()", 1000);
  });

  test("gives a hung teardown 5000 ms at close() by default", { timeout: 20_000 }, async (t) => {
    const Stuck = stuckChannel();
    const { url, cable } = await startCable(t, { channels: [Stuck] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    t.mock.timers.enable({ apis: ["setTimeout"] });
    let closed = false;
    const closing = cable.close().then(() => {
      closed = true;
    });
    await turns(5);
    t.mock.timers.tick(4999);
    await turns(5);
    assert.equal(closed, false, "close() still waits for the teardown at 4999 ms");
    t.mock.timers.tick(1);
    await closing;
    t.mock.timers.reset();
    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
  });
});

describe("authenticate deadline", () => {
  test("refuses an authenticate that never answers as unauthorized after authenticateTimeoutMs; others are welcomed meanwhile", async (t) => {
    const authenticateTimeoutMs = 1000;
    const logger = recordingLogger();
    const { url, cable } = await startCable(t, {
      channels: [createTestChannel()],
      logger,
      authenticateTimeoutMs,
      authenticate: (request) => (request.url?.includes("hang") ? new Promise(() => {}) : { user: 1 }),
    });
    const seen = watch(cable);
    const started = performance.now();
    const hanging = await RawClient.open(`${url}?hang`);
    hanging.subscribe(ROOM1); // waits behind authentication, then is dropped with it
    const other = await RawClient.connect(url);
    await other.subscribed(ROOM1);
    assert.deepEqual(hanging.frames, [], "nothing yet for the hanging socket");

    const { code } = await withDeadline(hanging.closed, "the refusal", authenticateTimeoutMs + MARGIN_MS);
    const elapsed = performance.now() - started;
    t.diagnostic(`refused after ${elapsed.toFixed(0)} ms (authenticateTimeoutMs ${authenticateTimeoutMs})`);

    assert.ok(elapsed >= authenticateTimeoutMs - 20, `refused after only ${elapsed} ms`);
    assert.ok(elapsed < authenticateTimeoutMs + MARGIN_MS, `refused after ${elapsed} ms`);
    assert.equal(code, 1000);
    assert.deepEqual(hanging.frames, [{ type: "disconnect", reason: "unauthorized", reconnect: false }]);
    const line = await logger.waitFor("authenticate timed out");
    assert.equal(line.details?.timeoutMs, authenticateTimeoutMs);
    await seen.until(() => seen.counts.closed === 1, "the refused connection to be released");
    assert.deepEqual(cable.stats(), { connections: 1, subscriptions: 1 });
    other.perform(ROOM1, { action: "echo" });
    await other.next((f) => (f.message as { type?: string })?.type === "echo", "echo to the other client");
  });

  test("releases a socket that closes while authenticate hangs at once, without running its queued subscribe", async (t) => {
    const events: string[] = [];
    let asked!: () => void;
    const authenticating = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const { url, cable } = await startCable(t, {
      channels: [createTestChannel(events)],
      authenticateTimeoutMs: 60_000,
      authenticate: () => {
        asked();
        return new Promise(() => {});
      },
    });
    const seen = watch(cable);
    const client = await RawClient.open(url);
    client.subscribe(ROOM1);
    await withDeadline(authenticating, "authenticate to be called");
    const started = performance.now();
    client.close();
    await seen.until(() => seen.counts.closed === 1, "the connection to be released", 5000);
    t.diagnostic(`released ${(performance.now() - started).toFixed(0)} ms after the client closed`);

    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
    assert.deepEqual(events, [], "subscribed never ran for a socket that was never welcomed");
    await withDeadline(cable.close(), "close()");
  });

  // On node:test's fake setTimeout: the test does not wait five real seconds.
  test("refuses an authenticate that never answers after 5000 ms by default", {
    timeout: 20_000,
  }, async (t) => {
    const logger = recordingLogger();
    let asked!: () => void;
    const authenticating = new Promise<void>((resolve) => {
      asked = resolve;
    });
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const { url } = await startCable(t, {
      logger,
      authenticate: () => {
        asked();
        return new Promise(() => {});
      },
    });
    const client = await RawClient.open(url);
    await authenticating;
    t.mock.timers.tick(4999);
    await turns(5);
    assert.deepEqual(client.frames, [], "nothing before 5000 ms");
    assert.equal(logger.lines.filter((l) => l.message === "authenticate timed out").length, 0);
    t.mock.timers.tick(1);
    await client.closed;
    assert.deepEqual(client.frames, [{ type: "disconnect", reason: "unauthorized", reconnect: false }]);
    t.mock.timers.reset();
  });

  test("rejects timeouts that are not a usable number of milliseconds", () => {
    const make = (options: object) => new CableServer({ channels: [], secret: TEST_SECRET, ...options });
    assert.throws(() => make({ authenticateTimeoutMs: 0 }), /authenticateTimeoutMs must be/);
    assert.throws(() => make({ authenticateTimeoutMs: Number.NaN }), /authenticateTimeoutMs must be/);
    assert.throws(() => make({ authenticateTimeoutMs: Infinity }), /authenticateTimeoutMs must be/);
    assert.throws(() => make({ closeTimeoutMs: -1 }), /closeTimeoutMs must be/);
    assert.throws(() => make({ closeTimeoutMs: "5000" }), /closeTimeoutMs must be/);
  });
});
