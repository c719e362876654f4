import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { type DemoProcess, startDemoProcess } from "../support/demo_process.js";
import { type PrivateRedis, startRedis } from "../support/redis.js";
import { allConnected, openSession, received, seenNewHost, sendText } from "../support/session_pages.js";

// A server process that dies must not wedge its sessions: the host's role is a lease in Redis, so
// once it lapses the survivors elect a new host through the other process. The bound is
// 10 s from the crash until every survivor is connected again (aim 5 s); bench/ measures it.
// Run `npm run build` first, and run this file through ../shared/tools/netns-run.

const SECRET = "crash-secret-0123456789abcdef";
const RECOVERY_BOUND_MS = 10_000;
// The waits allow more than the bound, so that a slow run fails on the bound, with its time.
const RECOVERY_WAIT_MS = 3 * RECOVERY_BOUND_MS;

describe("a session whose host's server process is killed", () => {
  let browser: Browser | null = null;
  let redis: PrivateRedis;
  let nodeA: DemoProcess;
  let nodeB: DemoProcess;

  before(async (t) => {
    browser = await launchChromium(t as never);
    redis = (await startRedis(t as never))!;
    nodeA = await startDemoProcess(["--redis", redis.url, "--secret", SECRET]);
    nodeB = await startDemoProcess(["--redis", redis.url, "--secret", SECRET]);
  });

  after(async () => {
    await browser?.close();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
  });

  test("elects a new host among the survivors on the other process within 10 s, and they talk again", async () => {
    // The host on node B, the others on node A.
    const chat = (name: string) => `${(name === "host" ? nodeB : nodeA).url}/chat?name=${name}&session=crash`;
    const peers = await openSession(browser!, chat, ["host", "ann", "bob", "cid"]);
    const host = peers.get("host")!;
    const survivors = ["ann", "bob", "cid"].map((name) => peers.get(name)!);

    const crashedAt = Date.now();
    nodeB.child.kill("SIGKILL");
    await host.page.close();
    for (const peer of survivors) await seenNewHost(peer, "host", crashedAt, RECOVERY_WAIT_MS);
    const names = survivors.map((p) => p.name);
    await Promise.all(survivors.map((p) => allConnected(p, names, crashedAt, RECOVERY_WAIT_MS)));
    const elapsed = Date.now() - crashedAt;
    console.log(`node crash: every survivor connected to a new host ${elapsed} ms after SIGKILL`);
    assert.ok(elapsed < RECOVERY_BOUND_MS, `connected again after ${elapsed} ms`);

    const hosts = await Promise.all(
      survivors.map((p) =>
        p.page.evaluate(() => {
          const last = window.__p2p.filter((e) => e.name === "p2p:host").at(-1);
          return String(last?.detail.hostPeerId);
        }),
      ),
    );
    assert.equal(new Set(hosts).size, 1, `one host for all: ${hosts.join(", ")}`);
    await sendText(survivors[2]!, "after the crash");
    await Promise.all(survivors.map((p) => received(p, "cid", "after the crash")));
    assert.deepEqual(
      survivors.flatMap((p) => p.errors),
      [],
    );
  });
});
