import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import { RedisSessionStore } from "../../src/store/redis.js";
import { withDeadline } from "../support/cable.js";
import { logWatch } from "../support/log_watch.js";
import { sharedRedis, startRedis } from "../support/redis.js";
import { sessionStoreContract } from "../support/session_store_contract.js";

// One private redis-server for the file; every test uses its own session ids.
const { url: redisUrl, client: rawClient } = sharedRedis();

let counter = 0;
const sessionId = (label: string) => `${label}-${process.pid}-${++counter}`;

async function openStore(t: TestContext, options: { keyPrefix?: string } = {}): Promise<RedisSessionStore> {
  const store = new RedisSessionStore({ url: await redisUrl(t), ...options });
  t.after(() => store.close());
  return store;
}

sessionStoreContract("RedisSessionStore", async (t) => {
  const store = new RedisSessionStore({ url: await redisUrl(t) });
  return { store, close: () => store.close() };
});

describe("RedisSessionStore across processes", () => {
  test("elects exactly one host among 50 simultaneous joins through two store instances", async (t) => {
    const nodeA = await openStore(t);
    const nodeB = await openStore(t);
    const id = sessionId("race");
    const peers = Array.from({ length: 50 }, (_, i) => `peer-${i}`);
    const results = await Promise.all(peers.map((peer, i) => (i % 2 ? nodeA : nodeB).join(id, peer)));
    const hosts = results.filter((result) => result.isHost);
    assert.equal(hosts.length, 1);
    const host = hosts[0]!.host;
    assert.ok(results.every((result) => result.host === host));
    const members = await nodeA.peers(id);
    assert.equal(members.length, 50);
    assert.equal(members[0], host);
    assert.deepEqual([...members].sort(), [...peers].sort());
  });

  test("admits exactly maxPeers of 20 simultaneous joins and refuses the rest with session_full", async (t) => {
    const nodeA = await openStore(t);
    const nodeB = await openStore(t);
    const id = sessionId("full");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? nodeA : nodeB).join(id, `p${i}`, { maxPeers: 5 })),
    );
    const admitted = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    assert.equal(admitted.length, 5);
    for (const outcome of refused) {
      assert.ok(outcome.reason instanceof P2pError);
      assert.equal(outcome.reason.reason, Reasons.sessionFull);
      assert.match(outcome.reason.message, new RegExp(`Session "${id}" is full`));
    }
    assert.equal((await nodeB.peers(id)).length, 5);
  });
});

describe("RedisSessionStore in Redis", () => {
  test("keeps a session as one hash under the key prefix with a PEXPIRE of its ttl", async (t) => {
    const store = await openStore(t, { keyPrefix: "myapp:" });
    const raw = await rawClient(t);
    const id = sessionId("keys");
    await store.join(id, "host", { ttlSeconds: 90 });
    await store.join(id, "guest", { ttlSeconds: 90 });
    assert.deepEqual(await raw.keys(`myapp:session:${id}*`), [`myapp:session:${id}`]);
    const ttl = await raw.pttl(`myapp:session:${id}`);
    assert.ok(ttl > 85_000 && ttl <= 90_000, `pttl ${ttl}`);
    await raw.pexpire(`myapp:session:${id}`, 5000);
    await store.leave(id, "guest");
    assert.ok((await raw.pttl(`myapp:session:${id}`)) > 85_000, "leave pushed the expiry back to the ttl");
    await store.touch(id, 600);
    assert.ok((await raw.pttl(`myapp:session:${id}`)) > 595_000, "touch with a ttl sets that ttl");
  });

  test("keeps each membership's joinId and lease, measured on Redis's clock, in the session's hash", async (t) => {
    const store = await openStore(t);
    const raw = await rawClient(t);
    const id = sessionId("lease-fields");
    await store.join(id, "host", { joinId: "h-1", leaseMs: 5000 });
    await store.join(id, "guest", { joinId: "g-1", leaseMs: 5000 });
    const [seconds, micros] = await raw.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const hash = await raw.hgetall(`p2p:session:${id}`);
    assert.equal(hash.host, "host");
    assert.deepEqual([hash["m:host"], hash["m:guest"]], ["1", "2"]);
    assert.deepEqual([hash["j:host"], hash["j:guest"]], ["h-1", "g-1"]);
    const leaseLeft = Number(hash["l:guest"]) - redisNow;
    assert.ok(leaseLeft > 4000 && leaseLeft <= 5000, `lease ends ${leaseLeft} ms after Redis's now`);
    assert.equal(await store.detach(id, "guest", "g-1"), true);
    assert.equal(await raw.hget(`p2p:session:${id}`, "l:guest"), "0", "detached: no lease");
  });

  test("empties a session when Redis expires it, so the next joiner becomes host", async (t) => {
    const store = await openStore(t);
    const raw = await rawClient(t);
    const events = await rawClient(t);
    await raw.config("SET", "notify-keyspace-events", "Ex");
    const id = sessionId("expiry");
    const expired = new Promise<void>((resolve) => {
      events.on("message", (_channel: string, key: string) => {
        if (key === `p2p:session:${id}`) resolve();
      });
    });
    await events.subscribe("__keyevent@0__:expired");
    await store.join(id, "old-host", { ttlSeconds: 0.05 });
    await store.join(id, "guest", { ttlSeconds: 0.05 });
    await withDeadline(expired, "Redis to expire the session");
    assert.deepEqual(await store.peers(id), []);
    assert.equal(await store.host(id), null);
    const rejoin = await store.join(id, "guest");
    assert.equal(rejoin.isHost, true);
    assert.deepEqual(rejoin.peers, ["guest"]);
  });

  test("rejects bad arguments with a clear error before touching Redis", async (t) => {
    const store = await openStore(t);
    await assert.rejects(store.join("", "a"), /sessionId must be a non-empty string/);
    await assert.rejects(store.join("s", "a", { maxPeers: 0 }), /maxPeers must be a positive integer, got 0/);
    await assert.rejects(store.join("s", "a", { ttlSeconds: -1 }), /ttlSeconds must be positive, got -1/);
    assert.deepEqual(await store.peers("s"), []);
  });
});

describe("RedisSessionStore when Redis goes away", () => {
  test("rejects with store_unavailable in bounded time and works again once Redis is back", async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    t.after(() => redis.stop());
    const log = logWatch();
    const store = new RedisSessionStore({ url: redis.url, readyTimeoutMs: 300, logger: log });
    t.after(() => store.close());
    await store.join("s", "before");

    const mark = log.lines.length;
    await redis.stop();
    await log.waitFor({ message: "redis connection lost", role: "session store" }, mark);
    const started = Date.now();
    for (const operation of [
      store.join("s", "x"),
      store.leave("s", "before"),
      store.peers("s"),
      store.touch("s"),
      store.refresh("s", "before", "some-join"),
      store.detach("s", "before", "some-join"),
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
    await log.waitFor({ message: "redis reconnected", role: "session store" }, back);
    // A fresh redis-server has no script cache: the join must still run (EVALSHA falls back to EVAL).
    const rejoin = await store.join("s", "after");
    assert.deepEqual(
      { host: rejoin.host, isHost: rejoin.isHost, peers: rejoin.peers },
      { host: "after", isHost: true, peers: ["after"] },
    );
  });
});
