import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Reasons } from "../../src/protocol/errors.js";
import { RedisPubSub } from "../../src/pubsub/redis.js";
import { createTestChannel, identifier, RawClient, startCable } from "../support/cable.js";
import { logWatch } from "../support/log_watch.js";
import { startRedis } from "../support/redis.js";

const ROOM = identifier({ channel: "TestChannel", room: "lobby" });
const OTHER = identifier({ channel: "TestChannel", room: "other" });
const isText = (text: string) => (f: Record<string, unknown>) =>
  f.identifier === ROOM && (f.message as { text?: string } | undefined)?.text === text;

describe("two cable servers sharing Redis", () => {
  test("broadcasts across nodes, refuses new subscriptions while Redis is away, and recovers by itself", async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    t.after(() => redis.stop());
    const logA = logWatch();
    const pubsubA = new RedisPubSub({ url: redis.url, readyTimeoutMs: 300, logger: logA });
    const logB = logWatch();
    const pubsubB = new RedisPubSub({ url: redis.url, readyTimeoutMs: 300, logger: logB });
    t.after(() => Promise.all([pubsubA.close(), pubsubB.close()]));
    const nodeA = await startCable(t, { channels: [createTestChannel()], pubsub: pubsubA, logger: logA });
    const nodeB = await startCable(t, { channels: [createTestChannel()], pubsub: pubsubB });
    const onA = await RawClient.connect(nodeA.url);
    const onB = await RawClient.connect(nodeB.url);
    t.after(() => {
      onA.close();
      onB.close();
    });
    await onA.subscribed(ROOM);
    await onB.subscribed(ROOM);
    onA.perform(ROOM, { action: "speak", text: "from A" });
    await onB.next(isText("from A"), "A's broadcast on B");
    onB.perform(ROOM, { action: "speak", text: "from B" });
    await onA.next(isText("from B"), "B's broadcast on A");

    const mark = logA.lines.length;
    await redis.stop();
    await logA.waitFor({ message: "redis connection lost", role: "pubsub subscriber" }, mark);
    onA.subscribe(OTHER);
    const error = await onA.next(
      (f) => f.identifier === OTHER && "message" in f,
      "the error of the refused subscribe",
    );
    assert.equal((error.message as { reason: string }).reason, Reasons.pubsubUnavailable);
    assert.match((error.message as { message: string }).message, /Redis is unavailable/);
    await onA.next((f) => f.identifier === OTHER && f.type === "reject_subscription", "reject_subscription");
    onA.perform(ROOM, { action: "speak", text: "into the void" });
    const refused = await onA.next(
      (f) => f.identifier === ROOM && "message" in f && (f.message as { type?: string }).type === "error",
      "the refused speak",
    );
    assert.equal((refused.message as { reason: string }).reason, Reasons.pubsubUnavailable);

    const back = logA.lines.length;
    const backB = logB.lines.length;
    await redis.restart();
    await logA.waitFor({ message: "redis resubscribed" }, back);
    await logA.waitFor({ message: "redis reconnected", role: "pubsub publisher" }, back);
    onA.perform(ROOM, { action: "speak", text: "back again" });
    await onA.next(isText("back again"), "A's own broadcast after the restart");
    await onA.subscribed(OTHER);
    await logB.waitFor({ message: "redis reconnected", role: "pubsub publisher" }, backB);
    onB.perform(ROOM, { action: "speak", text: "B back" });
    await onA.next(isText("B back"), "B's broadcast on A after the restart");
    assert.equal(onA.all(isText("into the void")).length, 0);
  });
});
