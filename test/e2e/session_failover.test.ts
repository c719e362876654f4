import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { sessionDefaults } from "../../src/client/session/types.js";
import { demoInBrowser } from "../support/demo_browser.js";
import {
  allConnected,
  openSession,
  type PeerPage,
  received,
  seenDisconnected,
  seenNewHost,
  sendText,
} from "../support/session_pages.js";

// A closing tab closes its peer connections itself (pagehide), so its peers learn it at once from
// their data channels instead of from the heartbeat. With the default heartbeat (1 s beats, 4 s
// idle) the heartbeat alone needs over 4 s: everything here must happen before that (the bound),
// while the waits allow more so that a slow run fails on the bound with its time.
// Run `npm run build` first, and run this file through ../shared/tools/netns-run.

const HEARTBEAT_BOUND_MS = sessionDefaults.heartbeat.idleTimeoutMs;

describe("a closing tab in a session with the default heartbeat", () => {
  const demo = demoInBrowser();
  let peers: Map<string, PeerPage>;
  const live = () => [...peers.values()];
  const names = () => [...peers.keys()];

  before(async () => {
    peers = await openSession(demo.browser, (name) => `${demo.base}/chat?name=${name}&session=tabs`, [
      "host",
      "ann",
      "bob",
      "cid",
    ]);
  });

  test("a closed client tab shows disconnected at the others before the heartbeat could tell", async () => {
    const cid = peers.get("cid")!;
    peers.delete("cid");
    const closedAt = Date.now();
    await cid.page.close();
    for (const peer of live()) {
      const seenAt = await seenDisconnected(peer, "cid", closedAt);
      console.log(`failover: ${peer.name} saw the closed tab disconnected after ${seenAt - closedAt} ms`);
      assert.ok(
        seenAt - closedAt < HEARTBEAT_BOUND_MS,
        `${peer.name} saw it after ${seenAt - closedAt} ms (the heartbeat's bound ${HEARTBEAT_BOUND_MS} ms)`,
      );
    }
  });

  test("a closed host tab is replaced, and the others talk again, before the heartbeat could tell", async () => {
    const host = peers.get("host")!;
    peers.delete("host");
    const closedAt = Date.now();
    await host.page.close();
    for (const peer of live()) {
      const seenAt = await seenNewHost(peer, "host", closedAt);
      console.log(`failover: ${peer.name} was told of a new host after ${seenAt - closedAt} ms`);
    }
    await Promise.all(live().map((p) => allConnected(p, names())));
    const elapsed = Date.now() - closedAt;
    console.log(`failover: all connected again ${elapsed} ms after the host tab closed`);
    assert.ok(elapsed < HEARTBEAT_BOUND_MS, `all connected again after ${elapsed} ms`);
    await sendText(peers.get("bob")!, "still here");
    await Promise.all(live().map((p) => received(p, "bob", "still here")));
    assert.deepEqual(
      live().flatMap((p) => p.errors),
      [],
    );
  });
});
