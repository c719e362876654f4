import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import { RedisRoomStore } from "../../src/store/room_redis.js";
import { logWatch } from "../support/log_watch.js";
import { sharedRedis, startRedis } from "../support/redis.js";
import { roomStoreContract } from "../support/room_store_contract.js";

// One private redis-server for the file; every test uses its own room ids.
const { url: redisUrl, client: rawClient } = sharedRedis();

let counter = 0;
const roomId = (label: string) => `${label}-${process.pid}-${++counter}`;

async function openStore(t: TestContext, options: { keyPrefix?: string } = {}): Promise<RedisRoomStore> {
  const store = new RedisRoomStore({ url: await redisUrl(t), ...options });
  t.after(() => store.close());
  return store;
}

roomStoreContract("RedisRoomStore", async (t) => {
  const store = new RedisRoomStore({ url: await redisUrl(t) });
  return { store, close: () => store.close() };
});

describe("RedisRoomStore across processes", () => {
  test("admits exactly 8 of 20 simultaneous joins through two store instances", async (t) => {
    const nodeA = await openStore(t);
    const nodeB = await openStore(t);
    const id = roomId("race");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? nodeA : nodeB).join(id, `c${i}`, { maxMembers: 8 })),
    );
    assert.equal(outcomes.filter((outcome) => outcome.status === "fulfilled").length, 8);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") assert.equal((outcome.reason as P2pError).reason, Reasons.roomFull);
    }
    assert.equal((await nodeB.members(id)).length, 8);
  });
});

describe("RedisRoomStore in Redis", () => {
  test("keeps a room as a sorted set of lease ends on Redis's clock and a hash of joinIds, under the prefix", async (t) => {
    const store = await openStore(t, { keyPrefix: "myapp:" });
    const raw = await rawClient(t);
    const id = roomId("keys");
    await store.join(id, "ann", { leaseMs: 5000, joinId: "a-1" });
    await store.join(id, "bob", { leaseMs: 9000, joinId: "b-1" });
    assert.deepEqual((await raw.keys(`myapp:room*${id}`)).sort(), [
      `myapp:room-joins:${id}`,
      `myapp:room:${id}`,
    ]);
    const [seconds, micros] = await raw.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const leaseLeft = Number(await raw.zscore(`myapp:room:${id}`, "ann")) - redisNow;
    assert.ok(leaseLeft > 4000 && leaseLeft <= 5000, `ann's lease ends ${leaseLeft} ms after Redis's now`);
    assert.deepEqual(await raw.hgetall(`myapp:room-joins:${id}`), { ann: "a-1", bob: "b-1" });
    for (const key of [`myapp:room:${id}`, `myapp:room-joins:${id}`]) {
      const ttl = await raw.pttl(key);
      assert.ok(ttl > 8000 && ttl <= 9000, `${key} expires with the longest lease (pttl ${ttl})`);
    }
    await store.leave(id, "ann");
    await store.leave(id, "bob");
    assert.deepEqual(await raw.keys(`myapp:room*${id}`), [], "an empty room leaves no key");
  });
});

describe("RedisRoomStore when Redis goes away", () => {
  test("rejects with store_unavailable in bounded time and works again once Redis is back", async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    t.after(() => redis.stop());
    const log = logWatch();
    const store = new RedisRoomStore({ url: redis.url, readyTimeoutMs: 300, logger: log });
    t.after(() => store.close());
    await store.join("r", "before");

    const mark = log.lines.length;
    await redis.stop();
    await log.waitFor({ message: "redis connection lost", role: "room store" }, mark);
    const started = Date.now();
    for (const operation of [
      store.join("r", "x"),
      store.refresh("r", "before"),
      store.leave("r", "before"),
      store.members("r"),
    ]) {
      await assert.rejects(operation, (error: unknown) => {
        assert.ok(error instanceof P2pError);
        assert.equal(error.reason, Reasons.storeUnavailable);
        assert.match(error.message, /Redis/);
        return true;
      });
    }
    assert.ok(Date.now() - started < 2000, `all rejected within 2 s (took ${Date.now() - started} ms)`);

    const back = log.lines.length;
    await redis.restart();
    await log.waitFor({ message: "redis reconnected", role: "room store" }, back);
    // A fresh redis-server has no script cache: the join must still run (EVALSHA falls back to EVAL).
    assert.deepEqual(await store.join("r", "after", { maxMembers: 1 }), { members: ["after"] });
  });
});
