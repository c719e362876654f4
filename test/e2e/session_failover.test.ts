import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { createDemoApp, type DemoApp } from "../../examples/demo/app.js";
import { sessionDefaults } from "../../src/client/session/types.js";
import { launchChromium, waitInPage } from "../support/browser.js";
import { recordingLogger } from "../support/cable.js";
import {
  allConnected,
  openPeer,
  type PeerPage,
  received,
  seenDisconnected,
  seenNewHost,
  sendText,
} from "../support/session_pages.js";

// A closing tab closes its peer connections itself (pagehide), so its peers learn it at once from
// their data channels instead of from the heartbeat. With the default heartbeat (1 s beats, 4 s
// idle) the heartbeat alone needs over 4 s: everything here must happen well before that.
// Run `npm run build` first, and run this file through ../shared/tools/netns-run.

const HEARTBEAT_BOUND_MS = sessionDefaults.heartbeat.idleTimeoutMs;

describe("a closing tab in a session with the default heartbeat", () => {
  let browser: Browser | null = null;
  let app: DemoApp;
  let base: string;
  const logger = recordingLogger();
  const peers = new Map<string, PeerPage>();
  const live = () => [...peers.values()];
  const names = () => [...peers.keys()];

  before(async (t) => {
    browser = await launchChromium(t as never);
    app = createDemoApp({ secret: "e2e-secret-0123456789abcdef", logger, iceServers: [] });
    base = await app.listen(0, "127.0.0.1");
    for (const name of ["host", "ann", "bob", "cid"]) {
      peers.set(name, await openPeer(browser!, `${base}/chat?name=${name}&session=tabs`, name));
      if (name === "host") {
        await waitInPage(peers.get(name)!.page, "host to become host", () =>
          window.__p2p.some((e) => e.name === "p2p:host" && e.detail.iamHost === true),
        );
      }
    }
    await Promise.all(live().map((p) => allConnected(p, names())));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test("a closed client tab shows disconnected at the others before the heartbeat could tell", async () => {
    const cid = peers.get("cid")!;
    peers.delete("cid");
    const closedAt = Date.now();
    await cid.page.close();
    for (const peer of live()) {
      await seenDisconnected(peer, "cid", closedAt, HEARTBEAT_BOUND_MS);
    }
  });

  test("a closed host tab is replaced, and the others talk again, before the heartbeat could tell", async () => {
    const host = peers.get("host")!;
    peers.delete("host");
    const closedAt = Date.now();
    await host.page.close();
    for (const peer of live()) {
      await seenNewHost(peer, "host", closedAt, HEARTBEAT_BOUND_MS);
    }
    await Promise.all(live().map((p) => allConnected(p, names())));
    const elapsed = Date.now() - closedAt;
    assert.ok(elapsed < HEARTBEAT_BOUND_MS, `all connected again after ${elapsed} ms`);
    await sendText(peers.get("bob")!, "still here");
    await Promise.all(live().map((p) => received(p, "bob", "still here")));
    assert.deepEqual(
      live().flatMap((p) => p.errors),
      [],
    );
  });
});
