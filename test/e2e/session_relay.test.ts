import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { relayMetricNames } from "../../src/server/relay_metrics.js";
import { waitInPage } from "../support/browser.js";
import { demoInBrowser } from "../support/demo_browser.js";
import { parseExposition } from "../support/metrics_scrape.js";
import { becameHost, dataLog, openPeer, type PeerPage, sendText } from "../support/session_pages.js";

// Session data through the cable when peer-to-peer cannot connect (issue 15), in Chromium through
// the demo chat: a page opened with `policy=relay` and no TURN server has no ICE candidate at all,
// so its data channel never opens and it is `relayed`. Run `npm run build` first, and this file
// through ../shared/tools/netns-run.

describe("sessions relayed through the server", () => {
  const demo = demoInBrowser();
  const chatUrl = (session: string, query: string) => (name: string) =>
    `${demo.base}/chat?name=${name}&session=${session}${query}`;

  /** Opens the pages in order (the first alone until it hosts); closed after the test. */
  const open = async (
    t: TestContext,
    url: (name: string) => string,
    names: string[],
    query: Record<string, string> = {},
  ) => {
    const pages = new Map<string, PeerPage>();
    t.after(() => Promise.all([...pages.values()].map((p) => p.context.close())));
    for (const name of names) {
      const page = await openPeer(demo.browser, `${url(name)}${query[name] ?? ""}`, name);
      pages.set(name, page);
      if (pages.size === 1) await becameHost(page);
    }
    return pages;
  };

  /** Waits until the page's latest status map is exactly `expected`. */
  const showsStates = (peer: PeerPage, expected: Record<string, string>) =>
    waitInPage(
      peer.page,
      `${peer.name} to show ${JSON.stringify(expected)}`,
      (want: Record<string, string>) => {
        const latest = window.__p2p.filter((e) => e.name === "p2p:peers").at(-1)?.detail;
        if (latest === undefined || Object.keys(latest).length !== Object.keys(want).length) return false;
        return Object.entries(want).every(([peer, state]) => latest[peer] === state);
      },
      expected,
    );

  /** Every page's Data log is the same, and holds each sender's `count` numbered messages once, in order. */
  const exactlyOnceInOrder = async (pages: PeerPage[], senders: string[], count: number) => {
    const numbered = (sender: string) =>
      Array.from({ length: count }, (_, i) => `${sender}:${sender}-${i + 1}`);
    for (const peer of pages) {
      await waitInPage(
        peer.page,
        `${peer.name} to receive ${senders.length * count} messages`,
        (n: number) =>
          window.__p2p.filter((e) => e.name === "p2p:message" && e.detail.type === "Data").length >= n,
        senders.length * count,
      );
    }
    const logs = await Promise.all(pages.map((p) => dataLog(p)));
    for (const [i, log] of logs.entries()) {
      assert.equal(log.length, senders.length * count, `${pages[i]!.name} got each message once`);
      assert.deepEqual(log, logs[0], `${pages[i]!.name} sees the host's order`);
      for (const sender of senders) {
        assert.deepEqual(
          log.filter((line) => line.startsWith(`${sender}:`)),
          numbered(sender),
          `${pages[i]!.name}: ${sender}'s messages in order`,
        );
      }
    }
  };

  const sendNumbered = (pages: PeerPage[], count: number) =>
    Promise.all(
      pages.map(async (peer) => {
        for (let i = 1; i <= count; i++) await sendText(peer, `${peer.name}-${i}`);
      }),
    );

  const noErrors = (pages: PeerPage[]) =>
    assert.deepEqual(
      pages.flatMap((p) => p.errors),
      [],
    );

  test("a 4-page session whose members cannot connect peer-to-peer exchanges messages exactly once, in order, every member relayed", async (t) => {
    const names = ["host", "ann", "bob", "cid"];
    const pages = await open(t, chatUrl("all-relayed", "&policy=relay&p2p=1000"), names);
    const all = [...pages.values()];
    const expected = { host: "connected", ann: "relayed", bob: "relayed", cid: "relayed" };
    await Promise.all(all.map((p) => showsStates(p, expected)));
    for (const name of ["ann", "bob", "cid"]) {
      const page = pages.get(name)!;
      assert.equal(
        await page.page.locator("[data-chat-target=peers] [data-state=relayed]").count(),
        3,
        `${name}'s peer list shows three relayed`,
      );
    }
    await sendNumbered(all, 10);
    await exactlyOnceInOrder(all, names, 10);
    const scrape = parseExposition(await demo.app.metrics.metrics());
    assert.ok(
      (scrape.value(relayMetricNames.relayed) ?? 0) >= 4 * 10 * 4,
      "every message went through the relay",
    );
    noErrors(all);
  });

  test("a session with peer-to-peer allowed for some members only shows them connected and the others relayed", async (t) => {
    const names = ["host", "ann", "bob", "cid"];
    const pages = await open(t, chatUrl("mixed", "&p2p=1000"), names, {
      ann: "&policy=relay",
      cid: "&policy=relay",
    });
    const all = [...pages.values()];
    const expected = { host: "connected", ann: "relayed", bob: "connected", cid: "relayed" };
    await Promise.all(all.map((p) => showsStates(p, expected)));
    await sendNumbered(all, 10);
    await exactlyOnceInOrder(all, names, 10);
    noErrors(all);
  });

  test("moves a member from relayed to peer-to-peer under a steady stream of numbered messages, losing and duplicating none", async (t) => {
    // p2p=50: the member is relayed long before its data channel opens, then switches to it.
    const relayedBefore =
      parseExposition(await demo.app.metrics.metrics()).value(relayMetricNames.relayed) ?? 0;
    const pages = await open(t, chatUrl("switch", "&p2p=50"), ["host"]);
    const host = pages.get("host")!;
    const count = 200;
    // Each page streams once it knows of the other: the host when ann is in its status map, ann
    // from its first script on (its messages wait for its ready, then go through the cable).
    const stream = (sender: string, after: string) => `(() => {
      let i = 0;
      let started = ${after === "" ? "true" : "false"};
      document.addEventListener("p2p:peers", (event) => { if (event.detail["${after}"]) started = true; });
      const timer = setInterval(() => {
        if (!started) return;
        const frame = document.querySelector("p2p-frame");
        if (!frame || typeof frame.send !== "function") return;
        i += 1;
        frame.send("${sender}-" + i);
        if (i === ${count}) clearInterval(timer);
      }, 5);
    })();`;
    await host.page.evaluate(stream("host", "ann"));
    const member = await openPeer(
      demo.browser,
      chatUrl("switch", "&p2p=50")("ann"),
      "ann",
      stream("ann", ""),
    );
    pages.set("ann", member);
    await waitInPage(member.page, "ann relayed, then connected", () => {
      const states = window.__p2p
        .filter((e) => e.name === "p2p:relayed" || e.name === "p2p:connected")
        .map((e) => e.name);
      return states.join() === "p2p:relayed,p2p:connected";
    });
    await waitInPage(host.page, "the host to see ann relayed, then connected", () => {
      const maps = window.__p2p.filter((e) => e.name === "p2p:peers").map((e) => e.detail.ann);
      const relayed = maps.indexOf("relayed");
      return relayed >= 0 && maps.indexOf("connected", relayed) > relayed;
    });
    for (const [peer, other] of [
      [host, member],
      [member, host],
    ] as const) {
      await waitInPage(
        peer.page,
        `${peer.name} to receive ${other.name}'s ${count} messages`,
        ([name, n]: [string, number]) =>
          // Data only: the host's status maps come as `p2p:message` from "host" too.
          window.__p2p.filter(
            (e) => e.name === "p2p:message" && e.detail.type === "Data" && e.detail.senderId === name,
          ).length >= n,
        [other.name, count] as [string, number],
      );
      const log = (await dataLog(peer)).filter((line) => line.startsWith(`${other.name}:`));
      assert.deepEqual(
        log,
        Array.from({ length: count }, (_, i) => `${other.name}:${other.name}-${i + 1}`),
        `${peer.name} got ${other.name}'s messages once each, in order`,
      );
    }
    const scrape = parseExposition(await demo.app.metrics.metrics());
    assert.ok(
      (scrape.value(relayMetricNames.relayed) ?? 0) > relayedBefore,
      "some went through the relay before the switch",
    );
    noErrors([host, member]);
  });

  test("the host forgets a relayed member whose page went away, without a frame of its own to send", async (t) => {
    const pages = await open(t, chatUrl("gone", "&policy=relay&p2p=1000"), ["host", "ann"]);
    const host = pages.get("host")!;
    const ann = pages.get("ann")!;
    await showsStates(host, { host: "connected", ann: "relayed" });
    const goneAt = Date.now();
    pages.delete("ann");
    await ann.context.close();
    // Nobody sends anything: the beats through the cable find ann gone.
    await showsStates(host, { host: "connected" });
    console.log(`relay: the host forgot a closed relayed page after ${Date.now() - goneAt} ms`);
    const maps = await host.page.evaluate(() =>
      window.__p2p.filter((e) => e.name === "p2p:peers").map((e) => e.detail.ann),
    );
    assert.equal(maps.at(-2), "disconnected", "shown disconnected once before it left the map");
    noErrors([host]);
  });
});
