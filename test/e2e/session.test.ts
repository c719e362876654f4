import assert from "node:assert/strict";
import { before, describe, type TestContext, test } from "node:test";
import { waitInPage } from "../support/browser.js";
import { demoInBrowser } from "../support/demo_browser.js";
import { healthUntil } from "../support/health.js";
import {
  allConnected,
  dataLog,
  openPeer,
  openSession,
  type PeerPage,
  received,
  seenDisconnected,
  seenNewHost,
  sendText,
} from "../support/session_pages.js";

// Browser tests of one-to-many sessions (seed 000) through the demo chat (/chat) and its bundle:
// run `npm run build` first, and run this file through ../shared/tools/netns-run. A test that
// changes its session (a crash, a host leaving) opens a session of its own: any test runs alone.

const HEARTBEAT = { intervalMs: 250, idleTimeoutMs: 1000 };
// Room for the host's status broadcast to cross the data channels after it noticed.
const DELIVERY_SLACK_MS = 750;
// The bound on electing a new host when the host's tab closes.
const NEW_HOST_BOUND_MS = 5_000;

describe("one-to-many session in four pages", () => {
  const demo = demoInBrowser();
  const chatUrl = (session: string) => (name: string) =>
    `${demo.base}/chat?name=${name}&session=${session}&interval=${HEARTBEAT.intervalMs}&idle=${HEARTBEAT.idleTimeoutMs}`;

  /** Its own session for one test: `names`' pages, the first one host, all connected; closed after it. */
  const sessionOf = async (t: TestContext, session: string, names: string[]) => {
    const peers = await openSession(demo.browser, chatUrl(session), names);
    t.after(() => Promise.all([...peers.values()].map((p) => p.context.close())));
    return {
      peers,
      live: () => [...peers.values()],
      names: () => [...peers.keys()],
      open: async (name: string) => {
        const peer = await openPeer(demo.browser, chatUrl(session)(name), name);
        peers.set(name, peer);
        return peer;
      },
    };
  };

  const noErrors = (pages: PeerPage[]) => {
    assert.deepEqual(
      pages.flatMap((p) => p.errors),
      [],
    );
    assert.deepEqual(
      demo.logger.lines.filter((l) => l.level === "error"),
      [],
    );
  };

  // "standup": four pages the tests below only read and send on, opened once.
  let standup: Map<string, PeerPage>;
  const standupPages = () => [...standup.values()];
  before(async () => {
    standup = await openSession(demo.browser, chatUrl("standup"), ["alice", "bob", "carol", "dave"]);
  });

  test("shows all four pages each other connected, the first one as host", async () => {
    await Promise.all(standupPages().map((p) => allConnected(p, [...standup.keys()])));
    for (const peer of standupPages()) {
      await waitInPage(
        peer.page,
        `${peer.name}'s peer list to show four connected`,
        () => document.querySelectorAll("[data-chat-target=peers] [data-state=connected]").length === 4,
      );
      const host = await peer.page.evaluate(() => {
        const frame = document.querySelector("p2p-frame") as unknown as {
          hostPeerId: string;
          iamHost: boolean;
        };
        return [frame.hostPeerId, frame.iamHost];
      });
      assert.deepEqual(host, ["alice", peer.name === "alice"]);
    }
    noErrors(standupPages());
  });

  test("delivers a client's message, typed in the chat, to all four pages exactly once", async () => {
    const bob = standup.get("bob")!;
    await bob.page.fill("[data-chat-target=input]", "hello from bob");
    await bob.page.click("form button");
    await sendText(bob, "bob marker");
    await Promise.all(standupPages().map((p) => received(p, "bob", "bob marker")));
    for (const peer of standupPages()) {
      const log = (await dataLog(peer)).filter((line) => line.startsWith("bob:"));
      assert.deepEqual(log, ["bob:hello from bob", "bob:bob marker"], `${peer.name}'s messages from bob`);
      const shown = await peer.page
        .locator("[data-chat-target=messages] li", { hasText: "hello from bob" })
        .count();
      assert.equal(shown, 1, `${peer.name} shows the line once`);
    }
    noErrors(standupPages());
  });

  test("delivers the host's message to all four pages exactly once", async () => {
    await sendText(standup.get("alice")!, "from the host");
    await sendText(standup.get("alice")!, "host marker");
    await Promise.all(standupPages().map((p) => received(p, "alice", "host marker")));
    for (const peer of standupPages()) {
      const log = (await dataLog(peer)).filter((line) => line.startsWith("alice:"));
      assert.deepEqual(
        log,
        ["alice:from the host", "alice:host marker"],
        `${peer.name}'s messages from alice`,
      );
    }
  });

  test("keeps one cable connection for the session once all are connected (keepCableConnection false)", async () => {
    // The tests with sessions of their own close their pages: only standup's host keeps a socket.
    await healthUntil(demo.base, "one connection", (h) => h.connections === 1);
    for (const peer of standupPages()) {
      const attached = await peer.page.evaluate(
        () =>
          (document.querySelector("p2p-frame") as unknown as { session: { cableAttached: boolean } }).session
            .cableAttached,
      );
      assert.equal(attached, peer.name === "alice", `${peer.name} holds a cable socket`);
    }
  });

  test("shows a crashed client disconnected at the others within the heartbeat bound, and takes it back on reload", async (t) => {
    const { peers, live, names, open } = await sessionOf(t, "client-crash", [
      "alice",
      "bob",
      "carol",
      "dave",
    ]);
    const dave = peers.get("dave")!;
    peers.delete("dave");
    // A crashed renderer closes nothing and says nothing (a closing tab does: session_failover
    // tests that): only the heartbeat can find it.
    const cdp = await dave.context.newCDPSession(dave.page);
    const closedAt = Date.now();
    void cdp.send("Page.crash").catch(() => {});
    const bound = HEARTBEAT.intervalMs + HEARTBEAT.idleTimeoutMs + DELIVERY_SLACK_MS;
    for (const peer of live()) {
      const seenAt = await seenDisconnected(peer, "dave", closedAt);
      console.log(`session: ${peer.name} saw the crashed dave disconnected after ${seenAt - closedAt} ms`);
      assert.ok(
        seenAt - closedAt <= bound,
        `${peer.name} saw it after ${seenAt - closedAt} ms (bound ${bound} ms)`,
      );
    }
    await dave.context.close();
    await open("dave");
    await Promise.all(live().map((p) => allConnected(p, names())));
    noErrors(live());
  });

  test("elects a new host within 5 s when the host closes, and the three others talk again without reload", async (t) => {
    const { peers, live, names } = await sessionOf(t, "host-closes", ["alice", "bob", "carol", "dave"]);
    const alice = peers.get("alice")!;
    peers.delete("alice");
    const loadedAt = await Promise.all(live().map((p) => p.page.evaluate(() => window.__loadedAt)));
    const closedAt = Date.now();
    await alice.context.close();
    for (const peer of live()) {
      const seenAt = await seenNewHost(peer, "alice", closedAt);
      console.log(
        `session: ${peer.name} was told of a new host ${seenAt - closedAt} ms after the host closed`,
      );
      assert.ok(
        seenAt - closedAt <= NEW_HOST_BOUND_MS,
        `${peer.name} was told after ${seenAt - closedAt} ms (bound ${NEW_HOST_BOUND_MS} ms)`,
      );
    }
    const hosts = await Promise.all(
      live().map((p) =>
        p.page.evaluate(
          () => (document.querySelector("p2p-frame") as unknown as { hostPeerId: string }).hostPeerId,
        ),
      ),
    );
    assert.equal(new Set(hosts).size, 1, `one host for all: ${hosts.join(", ")}`);
    assert.ok(names().includes(hosts[0]!), `the new host ${hosts[0]} is one of the three`);
    await Promise.all(live().map((p) => allConnected(p, names())));
    const client = live().find((p) => p.name !== hosts[0])!;
    await sendText(client, "after failover");
    await Promise.all(live().map((p) => received(p, client.name, "after failover")));
    for (const peer of live()) {
      const log = (await dataLog(peer)).filter((line) => line === `${client.name}:after failover`);
      assert.equal(log.length, 1, `${peer.name} got it once`);
    }
    assert.deepEqual(
      await Promise.all(live().map((p) => p.page.evaluate(() => window.__loadedAt))),
      loadedAt,
      "no page reloaded",
    );
    noErrors(live());
  });

  test("replaces a crashed host through the heartbeat alone, and the two others talk again", async (t) => {
    const { peers, live, names } = await sessionOf(t, "host-crash", ["alice", "bob", "carol"]);
    const hostName = await live()[0]!.page.evaluate(
      () => (document.querySelector("p2p-frame") as unknown as { hostPeerId: string }).hostPeerId,
    );
    const host = peers.get(hostName)!;
    peers.delete(host.name);
    const cdp = await host.context.newCDPSession(host.page);
    const crashedAt = Date.now();
    void cdp.send("Page.crash").catch(() => {});
    for (const peer of live()) {
      const seenAt = await seenNewHost(peer, host.name, crashedAt);
      console.log(
        `session: ${peer.name} was told of a new host ${seenAt - crashedAt} ms after the host crashed`,
      );
    }
    await Promise.all(live().map((p) => allConnected(p, names())));
    await host.context.close();
    const [first, second] = live();
    await sendText(second!, "after the crash");
    await received(first!, second!.name, "after the crash");
    noErrors(live());
  });
});

// Its own session with the default heartbeat (1 s beats, 4 s idle): under load Chromium's SCTP here
// pauses a bulk transfer for over a second now and then, which the short test heartbeat above
// (1 s idle) would rightly call a dead peer.
describe("bulk data in a session of three pages", () => {
  const demo = demoInBrowser();
  let peers: Map<string, PeerPage>;
  const live = () => [...peers.values()];

  before(async () => {
    peers = await openSession(demo.browser, (name) => `${demo.base}/chat?name=${name}&session=bulk`, [
      "alice",
      "bob",
      "carol",
    ]);
  });

  test("delivers a 5 MiB binary message intact and in order with the messages around it", async () => {
    const carol = peers.get("carol")!;
    await carol.page.evaluate(async () => {
      const frame = document.querySelector("p2p-frame") as unknown as { send(data: unknown): Promise<void> };
      const big = new Uint8Array(5 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) % 251;
      void frame.send("before binary");
      void frame.send(big);
      await frame.send("after binary");
    });
    await Promise.all(live().map((p) => received(p, "carol", "after binary", 30_000)));
    for (const peer of live()) {
      const log = (await dataLog(peer)).filter((line) => line.startsWith("carol:"));
      assert.deepEqual(
        log,
        ["carol:before binary", `carol:<${5 * 1024 * 1024} intact>`, "carol:after binary"],
        `${peer.name}'s messages from carol`,
      );
    }
    assert.deepEqual(
      live().flatMap((p) => p.errors),
      [],
    );
  });
});
