import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { waitInPage } from "../support/browser.js";
import type { RecordingLogger } from "../support/cable.js";
import { demoInBrowser } from "../support/demo_browser.js";
import {
  allConnected,
  becameHost,
  dataLog,
  openPeer,
  type PeerPage,
  received,
  sendText,
} from "../support/session_pages.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp_proxy.js";

// Faults a one-to-many session meets in production, in Chromium against the demo app: the host's
// cable socket cut by the network, a second tab with the same peer id, the server restarted under
// connected pages. (A crashed node with Redis is in session_node_crash.test.ts.)
// Run `npm run build` first, and run this file through ../shared/tools/netns-run.

// The default heartbeat (1 s beats, 4 s idle): none of these faults needs a fast one, and a 1 s idle
// timeout calls a live link dead when a busy machine stalls a page for a second.

/** Resolves once the server logged `message` (after line `from`) with the given details. */
async function logged(
  logger: RecordingLogger,
  from: number,
  message: string,
  details: Record<string, unknown>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const matches = () =>
    logger.lines
      .slice(from)
      .some(
        (line) =>
          line.message === message &&
          Object.entries(details).every(([key, value]) => line.details?.[key] === value),
      );
  // Polls the recorded lines (the event itself), with a deadline that names what was awaited.
  while (!matches()) {
    if (Date.now() > deadline) {
      assert.fail(`the server never logged "${message}" ${JSON.stringify(details)} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The `p2p:*` events a page recorded at or after `since` whose name is one of `names`. */
function eventsSince(peer: PeerPage, since: number, names: string[]) {
  return peer.page.evaluate(
    ([at, wanted]) =>
      window.__p2p
        .filter((e) => e.at >= at && (wanted as string[]).includes(e.name))
        .map((e) => `${e.name} ${JSON.stringify(e.detail)}`),
    [since, names] as [number, string[]],
  );
}

/** Every host the page was told of since `since` (ids). */
function hostsSince(peer: PeerPage, since: number) {
  return peer.page.evaluate(
    (at) =>
      window.__p2p.filter((e) => e.name === "p2p:host" && e.at >= at).map((e) => String(e.detail.hostPeerId)),
    since,
  );
}

describe("session faults in the browser", () => {
  const demo = demoInBrowser();
  const logger = demo.logger;
  // Each test's pages, closed when it ends: a page left open keeps its session (and its cable) alive.
  let pages: PeerPage[] = [];

  const chatUrl = (origin: string, name: string, session: string, keep = false) =>
    `${origin}/chat?name=${name}&session=${session}${keep ? "&keep=1" : ""}`;
  const open = async (name: string, session: string, options: { keep?: boolean; origin?: string } = {}) => {
    const peer = await openPeer(
      demo.browser,
      chatUrl(options.origin ?? demo.base, name, session, options.keep),
      name,
    );
    pages.push(peer);
    return peer;
  };
  const hostFirst = async (name: string, session: string, origin?: string) => {
    const host = await open(name, session, { origin });
    await becameHost(host);
    return host;
  };

  beforeEach(() => {
    pages = [];
  });

  afterEach(async () => {
    await Promise.all(pages.map((p) => p.context.close()));
  });

  test("keeps the host and every link when the network cuts the host's cable socket", async (t) => {
    const proxy: TcpProxy = await startTcpProxy(demo.port, t);
    const session = "cut";
    const host = await hostFirst("host", session, proxy.url);
    // ann keeps her cable: she would hear a host-left, and re-negotiate, if the cut reset the session.
    const ann = await open("ann", session, { keep: true });
    const bob = await open("bob", session);
    const peers = [host, ann, bob];
    await Promise.all(peers.map((p) => allConnected(p, ["host", "ann", "bob"])));

    const mark = Date.now();
    const fromLine = logger.lines.length;
    const cut = proxy.cut();
    assert.ok(cut > 0, "the host's cable went through the proxy");
    // The host's page reconnects by itself and restores its cable session (the extended protocol):
    // still host, its lease kept by the server meanwhile, and no join again.
    await logged(logger, fromLine, "session restored", {});
    await sendText(host, "after the cut");
    await Promise.all(peers.map((p) => received(p, "host", "after the cut")));

    const cid = await open("cid", session);
    await Promise.all([...peers, cid].map((p) => allConnected(p, ["host", "ann", "bob", "cid"])));
    assert.deepEqual(await hostsSince(cid, 0), ["host"], "the newcomer finds the same host");
    assert.equal(
      logger.lines.slice(fromLine).filter((l) => l.message === "session joined" && l.details?.peer === "host")
        .length,
      0,
      "the host did not join again",
    );
    for (const peer of peers) {
      assert.deepEqual(
        await eventsSince(peer, mark, ["p2p:disconnected", "p2p:closed", "p2p:negotiating", "p2p:host"]),
        [],
        `${peer.name} noticed nothing of the cut`,
      );
    }
    assert.deepEqual(
      pages.flatMap((p) => p.errors),
      [],
    );
  });

  test("lets a second tab with the same peer id replace the first, the rest undisturbed", async () => {
    const session = "twins";
    const host = await hostFirst("host", session);
    const ann = await open("ann", session);
    const bobOld = await open("bob", session);
    await Promise.all([host, ann, bobOld].map((p) => allConnected(p, ["host", "ann", "bob"])));

    const mark = Date.now();
    const bobNew = await open("bob", session);
    await waitInPage(bobOld.page, "the first bob tab to be told it was replaced", () =>
      window.__p2p.some((e) => e.name === "p2p:error" && e.detail.reason === "replaced"),
    );
    await Promise.all([host, ann, bobNew].map((p) => allConnected(p, ["host", "ann", "bob"])));
    await sendText(bobNew, "from the new tab");
    await Promise.all([host, ann, bobNew].map((p) => received(p, "bob", "from the new tab")));

    // The old tab going away does not take the new one's membership with it.
    await bobOld.context.close();
    pages.splice(pages.indexOf(bobOld), 1);
    await sendText(host, "after the old tab closed");
    await Promise.all([host, ann, bobNew].map((p) => received(p, "host", "after the old tab closed")));
    const dan = await open("dan", session);
    await Promise.all([host, ann, bobNew, dan].map((p) => allConnected(p, ["host", "ann", "bob", "dan"])));

    for (const peer of [host, ann]) {
      assert.deepEqual(
        await eventsSince(peer, mark, ["p2p:disconnected", "p2p:closed", "p2p:negotiating", "p2p:host"]),
        [],
        `${peer.name} was not disturbed`,
      );
    }
    assert.deepEqual(
      pages.flatMap((p) => p.errors),
      [],
    );
  });

  test("survives a server restart: no message lost, the host unchanged, a fifth page joins after", async () => {
    const session = "restart";
    const host = await hostFirst("host", session);
    const ann = await open("ann", session, { keep: true });
    const bob = await open("bob", session);
    const cid = await open("cid", session);
    const four = [host, ann, bob, cid];
    await Promise.all(four.map((p) => allConnected(p, ["host", "ann", "bob", "cid"])));

    const mark = Date.now();
    const fromLine = logger.lines.length;
    await demo.app.close();
    // Peer-to-peer links do not need the server: what is sent while it is down arrives.
    await sendText(bob, "while the server is down");
    await sendText(host, "host while down");
    await demo.startAgain();
    await logged(logger, fromLine, "session joined", { peer: "host", isHost: true });
    await sendText(cid, "after the restart");

    const eve = await open("eve", session);
    const five = [...four, eve];
    await Promise.all(five.map((p) => allConnected(p, ["host", "ann", "bob", "cid", "eve"])));
    await sendText(eve, "from the fifth page");
    for (const peer of four) {
      for (const [from, text] of [
        ["bob", "while the server is down"],
        ["host", "host while down"],
        ["cid", "after the restart"],
        ["eve", "from the fifth page"],
      ] as const) {
        await received(peer, from, text);
      }
      const log = await dataLog(peer);
      assert.equal(log.filter((line) => line === "bob:while the server is down").length, 1, "once each");
    }
    assert.deepEqual(await hostsSince(eve, 0), ["host"], "the fifth page finds the same host");
    for (const peer of four) {
      assert.deepEqual(
        await eventsSince(peer, mark, ["p2p:disconnected", "p2p:closed", "p2p:host"]),
        [],
        `${peer.name} kept its host and its link`,
      );
    }
    // Chromium itself logs each refused reconnect while the server is down; nothing else may appear.
    const refused = /WebSocket connection to '.*\/cable' failed: .*ERR_CONNECTION_REFUSED/;
    assert.deepEqual(
      pages.flatMap((p) => p.errors).filter((line) => !refused.test(line)),
      [],
    );
  });
});
