import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { CableServer } from "../../src/cable/server.js";
import {
  createTestChannel,
  identifier,
  RawClient,
  recordingLogger,
  startCable,
  withDeadline,
} from "../support/cable.js";

const ROOM1 = identifier({ channel: "TestChannel", room: "1" });
const messageOf = (f: Record<string, unknown>) => (f.message ?? {}) as Record<string, unknown>;
const isRateLimited = (f: Record<string, unknown>) => messageOf(f).reason === "rate_limited";
const isEcho = (n: number) => (f: Record<string, unknown>) =>
  messageOf(f).type === "echo" && (messageOf(f).data as { n?: number }).n === n;

/** A cable whose rate-limit clock only moves when the test says so; a limit not given keeps its default. */
async function limited(
  t: TestContext,
  options: { burst?: number; perSecond?: number; maxThrottled?: number } = {},
) {
  let now = 0;
  const logger = recordingLogger();
  const running = await startCable(t, {
    channels: [createTestChannel()],
    logger,
    messageBurst: options.burst,
    messagesPerSecond: options.perSecond,
    maxThrottledMessages: options.maxThrottled,
    now: () => now,
  });
  return { ...running, logger, advance: (ms: number) => (now += ms) };
}

describe("message rate limit", () => {
  test("by default passes bursts of 500 and 100 a second, and disconnects after 100 dropped", async (t) => {
    const { url, advance } = await limited(t);
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1); // frame 1
    for (let n = 1; n <= 499; n++) client.perform(ROOM1, { action: "echo", n }); // frames 2…500
    await client.next(isEcho(499), "echo 499, the last of the burst");
    client.perform(ROOM1, { action: "echo", n: 500 });
    const first = await client.next(isRateLimited, "drop 1, right after the burst");
    assert.match(String(messageOf(first).message), /at most 100 a second, in bursts of 500; this message/);

    advance(1000); // 100 tokens
    for (let n = 501; n <= 601; n++) client.perform(ROOM1, { action: "echo", n });
    await client.next(isEcho(600), "echo 600, the 100th a second later");
    await client.next(isRateLimited, "drop 2, the 101st a second later");

    for (let n = 602; n <= 699; n++) client.perform(ROOM1, { action: "echo", n });
    for (let drop = 3; drop <= 100; drop++) await client.next(isRateLimited, `drop ${drop}`);
    assert.equal(client.all((f) => f.type === "disconnect").length, 0, "still connected after 100 drops");
    client.perform(ROOM1, { action: "echo", n: 700 });
    const disconnect = await client.next((f) => f.type === "disconnect", "the disconnect at drop 101");
    assert.deepEqual(disconnect, { type: "disconnect", reason: "rate_limited", reconnect: true });
    assert.equal(client.all((f) => messageOf(f).type === "echo").length, 599, "the dropped echoes never ran");
  });

  test("answers each frame over the burst with rate_limited on its identifier and keeps the socket", async (t) => {
    const { url, cable, logger } = await limited(t, { burst: 5, perSecond: 1, maxThrottled: 10 });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1); // frame 1
    for (let n = 1; n <= 7; n++) client.perform(ROOM1, { action: "echo", n }); // frames 2…8
    for (let n = 1; n <= 4; n++) await client.next(isEcho(n), `echo ${n}`);
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await client.next(isRateLimited, `rate_limited error ${i + 1}`));
    for (const error of errors) {
      assert.equal(error.identifier, ROOM1);
      assert.match(
        String(messageOf(error).message),
        /at most 1 a second, in bursts of 5; this message was dropped/,
      );
    }
    assert.equal(client.all((f) => messageOf(f).type === "echo").length, 4, "the dropped echoes never ran");
    await cable.broadcast("test:1", "still here");
    await client.next((f) => f.message === "still here", "a broadcast after the throttling");
    assert.equal(client.all((f) => f.type === "disconnect").length, 0);
    assert.equal(
      logger.lines.filter((l) => l.message === "rate limited").length,
      1,
      "one warning per overload",
    );
  });

  test("disconnects with rate_limited, reconnect true, when the flood goes on; other sockets are unaffected", async (t) => {
    const { url, cable, logger } = await limited(t, { burst: 5, perSecond: 1, maxThrottled: 3 });
    const bystander = await RawClient.connect(url);
    await bystander.subscribed(ROOM1);
    const flooder = await RawClient.connect(url);
    await flooder.subscribed(ROOM1);
    for (let i = 0; i < 50; i++) {
      flooder.send(i % 2 ? "{garbage" : { command: "message", identifier: ROOM1, data: '{"action":"echo"}' });
    }
    const disconnect = await flooder.next((f) => f.type === "disconnect", "the disconnect");
    assert.deepEqual(disconnect, { type: "disconnect", reason: "rate_limited", reconnect: true });
    assert.equal((await withDeadline(flooder.closed, "the flooder's close")).code, 1000);
    await logger.waitFor("rate limit exceeded, disconnecting");
    // Frames 1–5 passed (subscribe + 4), drops 1–3 were answered, the 4th drop disconnected.
    assert.ok(flooder.all(isRateLimited).length <= 3);
    bystander.perform(ROOM1, { action: "echo", n: 1 });
    await bystander.next(isEcho(1), "the bystander's echo");
    await cable.broadcast("test:1", "after the flood");
    await bystander.next((f) => f.message === "after the flood", "a broadcast at the bystander");
    assert.equal(bystander.all(isRateLimited).length, 0);
  });

  test("rejects a subscribe over the rate after a rate_limited error on its identifier", async (t) => {
    const { url } = await limited(t, { burst: 2, perSecond: 1, maxThrottled: 10 });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    client.perform(ROOM1, { action: "echo", n: 1 });
    const late = identifier({ channel: "TestChannel", room: "late" });
    client.subscribe(late);
    const error = await client.next((f) => f.identifier === late, "the error on the late identifier");
    assert.equal(messageOf(error).reason, "rate_limited");
    assert.match(String(messageOf(error).message), /this subscribe was dropped/);
    assert.deepEqual(await client.next((f) => f.identifier === late, "the reject"), {
      identifier: late,
      type: "reject_subscription",
    });
  });

  test("serves a client again at the refill rate, and forgives an overload once the bucket is full", async (t) => {
    const { url, advance } = await limited(t, { burst: 3, perSecond: 10, maxThrottled: 1 });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    client.perform(ROOM1, { action: "echo", n: 1 });
    client.perform(ROOM1, { action: "echo", n: 2 });
    client.perform(ROOM1, { action: "echo", n: 3 });
    await client.next(isRateLimited, "the first drop");
    advance(100); // one token
    client.perform(ROOM1, { action: "echo", n: 4 });
    await client.next(isEcho(4), "echo 4, one refill later");
    advance(300); // full again: the overload is over
    for (let n = 5; n <= 8; n++) client.perform(ROOM1, { action: "echo", n });
    // With the overload forgiven this is drop 1 of a new one (≤ 1); otherwise drop 2 → disconnect.
    await client.next(isRateLimited, "the drop of the second overload");
    await client.next(isEcho(7), "echo 7");
    advance(100);
    client.perform(ROOM1, { action: "echo", n: 9 });
    await client.next(isEcho(9), "echo 9 on the same socket");
    assert.equal(client.all((f) => f.type === "disconnect").length, 0);
  });

  test("turns off with messagesPerSecond Infinity", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()], messagesPerSecond: Infinity });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    for (let n = 1; n <= 1200; n++) client.perform(ROOM1, { action: "echo", n });
    await client.next(isEcho(1200), "echo 1200");
    assert.equal(client.all(isRateLimited).length, 0);
  });

  test("refuses a burst, rate or allowance that makes no sense", () => {
    const make = (options: object) => () =>
      new CableServer({ channels: [], secret: "s".repeat(16), ...options });
    assert.throws(make({ messageBurst: 0 }), /messageBurst must be a positive integer, got 0/);
    assert.throws(make({ messagesPerSecond: -1 }), /messagesPerSecond must be a positive number or Infinity/);
    assert.throws(make({ maxThrottledMessages: 1.5 }), /maxThrottledMessages must be a whole number/);
  });
});
