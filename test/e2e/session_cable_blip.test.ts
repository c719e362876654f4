import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { withDeadline } from "../support/cable.js";
import { demoInBrowser } from "../support/demo_browser.js";
import { allConnected, openPeer, type PeerPage, received, sendText } from "../support/session_pages.js";
import { startTcpProxy } from "../support/tcp_proxy.js";

// A blip of a page's signaling socket, in Chromium against the demo app: the page speaks AnyCable's
// extended protocol by default, so the server keeps its session while it is away and replays what
// was sent to it meanwhile. Run `npm run build` first, and run this file through ../shared/tools/netns-run.

/** How long the network is down: the fault itself, not a wait for an event. */
const OUTAGE_MS = 3000;

describe("a session page whose cable blips", () => {
  const demo = demoInBrowser();
  let pages: PeerPage[] = [];
  const open = async (origin: string, name: string, session: string) => {
    const peer = await openPeer(demo.browser, `${origin}/chat?name=${name}&session=${session}`, name);
    pages.push(peer);
    return peer;
  };

  beforeEach(() => {
    pages = [];
  });

  afterEach(async () => {
    await Promise.all(pages.map((p) => p.context.close()));
  });

  test("loses its host's offer to a 3 s cut, gets it on restore, and connects without a new join", async (t) => {
    const proxy = await startTcpProxy(demo.port, t);
    const session = "blip";
    const host = await open(demo.base, "host", session);
    await allConnected(host, ["host"]);

    // bob's page goes through the proxy, which drops the host's offer to him and cuts his socket
    // right there: the offer cannot have reached him before the cut.
    const offerLost = proxy.goDownOnFrame('"offer"');
    const bob = await open(proxy.url, "bob", session);
    await withDeadline(offerLost, "the host's offer on bob's socket", 20_000);
    const cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    proxy.restore();

    await Promise.all([host, bob].map((p) => allConnected(p, ["host", "bob"])));
    console.log(`# bob connected ${Date.now() - cutAt - OUTAGE_MS} ms after the network came back`);
    await sendText(bob, "after the blip");
    await received(host, "bob", "after the blip");
    await sendText(host, "to bob");
    await received(bob, "host", "to bob");

    assert.ok(proxy.refused > 0, "bob's page tried to reconnect while the network was down");
    const lines = demo.logger.lines;
    assert.ok(
      lines.some((line) => line.message === "session restored"),
      "the server restored bob's cable session",
    );
    assert.equal(
      lines.filter((line) => line.message === "session joined" && line.details?.peer === "bob").length,
      1,
      "bob joined once: the blip cost no new join",
    );
    // Chromium logs each reconnect attempt refused while the network is down; nothing else went wrong.
    const refusedAttempt = /WebSocket connection to .*\/cable\?sid=.* failed: .*net::ERR_/;
    assert.deepEqual(
      pages.flatMap((p) => p.errors).filter((error) => !refusedAttempt.test(error)),
      [],
    );
  });
});
