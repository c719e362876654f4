import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { JoinResult } from "../../src/store/adapter.js";
import { RedisSessionStore } from "../../src/store/redis.js";
import { withDeadline } from "../support/cable.js";
import { startRedis } from "../support/redis.js";

const worker = resolve(dirname(fileURLToPath(import.meta.url)), "../support/join_race_worker.ts");

/** A child process racing `count` joins; `results` resolves with what its joins returned. */
function startWorker(url: string, sessionId: string, label: string, count: number) {
  const child = spawn(process.execPath, ["--import", "tsx", worker, url, sessionId, label, String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    const parts = output.split("\n");
    output = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  const line = (index: number, what: string) =>
    withDeadline(
      new Promise<string>((resolveLine) => {
        const wake = () => {
          if (lines[index] === undefined) return;
          waiters.delete(wake);
          resolveLine(lines[index]!);
        };
        waiters.add(wake);
        wake();
      }),
      `${label}: ${what}`,
      20_000,
    );
  return {
    child,
    ready: line(0, "ready"),
    go: () => child.stdin.write("go\n"),
    results: line(1, "join results").then((text) => JSON.parse(text) as JoinResult[]),
  };
}

test("elects exactly one host when 50 joins for one session race over two processes", async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  t.after(() => redis.stop());
  for (let round = 0; round < 5; round++) {
    const sessionId = `race-${round}`;
    const nodeA = startWorker(redis.url, sessionId, "a", 25);
    const nodeB = startWorker(redis.url, sessionId, "b", 25);
    t.after(() => {
      nodeA.child.kill();
      nodeB.child.kill();
    });
    assert.equal(await nodeA.ready, "ready");
    assert.equal(await nodeB.ready, "ready");
    nodeA.go();
    nodeB.go();
    const results = [...(await nodeA.results), ...(await nodeB.results)];
    assert.equal(results.length, 50);
    const hosts = results.filter((result) => result.isHost);
    assert.equal(hosts.length, 1, `round ${round}: one host, got ${JSON.stringify(hosts)}`);
    assert.ok(results.every((result) => result.host === hosts[0]!.host));
    const store: RedisSessionStore = new RedisSessionStore({ url: redis.url });
    const peers: string[] = await store.peers(sessionId);
    await store.close();
    assert.equal(peers.length, 50);
    assert.equal(peers[0], hosts[0]!.host);
  }
});
