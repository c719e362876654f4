import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryPubSub } from "../../src/pubsub/memory.js";
import { createAdapters } from "../../src/server/adapters.js";

test("chooses the in-process memory pub/sub when no Redis URL is configured", async () => {
  const adapters = createAdapters({ redisUrl: "" });
  assert.equal(adapters.kind, "memory");
  assert.ok(adapters.pubsub instanceof MemoryPubSub);
  assert.equal(adapters.store, undefined);
  assert.equal(adapters.roomStore, undefined);
  await adapters.close();
});

test("refuses a Redis URL that is not redis:// or rediss://, without echoing its password", () => {
  assert.throws(
    () => createAdapters({ redisUrl: "http://user:hunter2@cache:6379" }),
    (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /Redis URL must start with redis:\/\/ or rediss:\/\//);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    },
  );
});
