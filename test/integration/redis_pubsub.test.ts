import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import { RedisPubSub } from "../../src/pubsub/redis.js";
import { withDeadline } from "../support/cable.js";
import { logWatch } from "../support/log_watch.js";
import { collector, pubSubContract, uniqueStream } from "../support/pubsub_contract.js";
import { sharedRedis, startRedis } from "../support/redis.js";

// One private redis-server for the file; every test uses its own stream names.
const { url: redisUrl, client: rawClient } = sharedRedis();

pubSubContract("RedisPubSub", async (t) => new RedisPubSub({ url: await redisUrl(t) }));
pubSubContract("RedisPubSub with a channelPrefix", async (t) => {
  return new RedisPubSub({ url: await redisUrl(t), channelPrefix: "contract_app" });
});

describe("RedisPubSub across processes", () => {
  test("delivers a broadcast from one instance to the handlers of another, once each", async (t) => {
    const url = await redisUrl(t);
    const nodeA = new RedisPubSub({ url });
    const nodeB = new RedisPubSub({ url });
    t.after(() => Promise.all([nodeA.close(), nodeB.close()]));
    const stream = uniqueStream("cross");
    const onA = collector();
    const onB = collector();
    await nodeA.subscribe(stream, onA.handler);
    await nodeB.subscribe(stream, onB.handler);
    await nodeA.publish(stream, '"from A"');
    await nodeB.publish(stream, '"from B"');
    await onA.waitFor(2);
    await onB.waitFor(2);
    await nodeA.publish(stream, '"witness"');
    await onB.waitFor(3);
    await onA.waitFor(3);
    assert.deepEqual(onA.payloads, ['"from A"', '"from B"', '"witness"']);
    assert.deepEqual(onB.payloads, ['"from A"', '"from B"', '"witness"']);
  });

  test("holds one Redis subscription per stream however many local handlers, and drops it after the last", async (t) => {
    const pubsub = new RedisPubSub({ url: await redisUrl(t) });
    t.after(() => pubsub.close());
    const raw = await rawClient(t);
    const stream = uniqueStream("numsub");
    const stops = await Promise.all([1, 2, 3].map(() => pubsub.subscribe(stream, () => {})));
    assert.deepEqual(await raw.pubsub("NUMSUB", stream), [stream, 1]);
    await stops[0]!();
    await stops[1]!();
    assert.deepEqual(await raw.pubsub("NUMSUB", stream), [stream, 1]);
    await stops[2]!();
    assert.deepEqual(await raw.pubsub("NUMSUB", stream), [stream, 0]);
  });

  test("speaks Action Cable's Redis wire format: PUBLISH <prefix>:<stream> <json>", async (t) => {
    const pubsub = new RedisPubSub({ url: await redisUrl(t), channelPrefix: "myapp_production" });
    t.after(() => pubsub.close());
    const rails = await rawClient(t);
    const railsListener = await rawClient(t);
    const stream = uniqueStream("wire");
    const heard = collector();
    railsListener.on("message", (channel: string, payload: string) => heard.handler(`${channel} ${payload}`));
    await railsListener.subscribe(`myapp_production:${stream}`);
    await pubsub.publish(stream, '{"from":"node"}');
    assert.deepEqual(await heard.waitFor(1), [`myapp_production:${stream} {"from":"node"}`]);

    const got = collector();
    await pubsub.subscribe(stream, got.handler);
    await rails.publish(`myapp_production:${stream}`, '{"from":"rails"}');
    await rails.publish(stream, '{"unprefixed":"ignored"}');
    await rails.publish(`myapp_production:${stream}`, '{"witness":true}');
    assert.deepEqual(await got.waitFor(2), ['{"from":"rails"}', '{"witness":true}']);
  });
});

describe("RedisPubSub when Redis goes away", () => {
  test("rejects with pubsub_unavailable in bounded time, then resubscribes and delivers when Redis is back", async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    t.after(() => redis.stop());
    const log = logWatch();
    const pubsub = new RedisPubSub({ url: redis.url, readyTimeoutMs: 300, logger: log });
    t.after(() => pubsub.close());
    const stream = uniqueStream("outage");
    const got = collector();
    await pubsub.subscribe(stream, got.handler);
    await pubsub.publish(stream, '"before"');
    await got.waitFor(1);

    const mark = log.lines.length;
    await redis.stop();
    await log.waitFor({ message: "redis connection lost", role: "pubsub publisher" }, mark);
    await log.waitFor({ message: "redis connection lost", role: "pubsub subscriber" }, mark);
    const started = Date.now();
    await assert.rejects(pubsub.publish(stream, '"lost"'), (error: unknown) => {
      assert.ok(error instanceof P2pError);
      assert.equal(error.reason, Reasons.pubsubUnavailable);
      assert.match(error.message, /Redis is unavailable/);
      return true;
    });
    await assert.rejects(
      pubsub.subscribe(uniqueStream("during"), () => {}),
      { reason: Reasons.pubsubUnavailable },
    );
    assert.ok(Date.now() - started < 2000, `both rejected within 2 s (took ${Date.now() - started} ms)`);

    const back = log.lines.length;
    await redis.restart();
    await log.waitFor({ message: "redis reconnected", role: "pubsub publisher" }, back);
    await log.waitFor({ message: "redis resubscribed" }, back);
    await pubsub.publish(stream, '"after"');
    assert.deepEqual(await withDeadline(got.waitFor(2), "delivery after the restart"), [
      '"before"',
      '"after"',
    ]);
    const later = collector();
    await pubsub.subscribe(uniqueStream("after"), later.handler);
  });
});
