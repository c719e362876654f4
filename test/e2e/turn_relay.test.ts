import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { createDemoApp } from "../../src/demo/app.js";
import { waitInPage } from "../support/browser.js";
import { coturnInSuite } from "../support/coturn.js";
import { demoInBrowser, E2E_SECRET } from "../support/demo_browser.js";
import { connectionCounts, PEER_CONNECTION_RECORDER, selectedPairs } from "../support/ice_stats.js";
import { enter, type Member, openMember, others, playing } from "../support/room_pages.js";
import {
  allConnected,
  becameHost,
  dataLog,
  openPeer,
  openSession,
  type PeerPage,
  received,
  sendText,
} from "../support/session_pages.js";

// Sessions and rooms through a real TURN relay: coturn (`use-auth-secret`) inside the netns-run
// namespace on 10.233.0.1, the demo minting each page's credentials, and every page told
// `iceTransportPolicy: "relay"`. Run `npm run build` first, and this file through
// ../shared/tools/netns-run.

/** Plays every `p2p:stream` in a muted <video>, kept by sending peer in `window.__media`. */
const MEDIA_SINK = `(() => {
  window.__media = {};
  document.addEventListener("p2p:stream", (event) => {
    const video = document.createElement("video");
    Object.assign(video, { muted: true, autoplay: true, playsInline: true, srcObject: event.detail.stream });
    document.body.append(video);
    window.__media[event.detail.peerId] = video;
  });
})();`;

declare global {
  interface Window {
    __media: Record<string, HTMLVideoElement>;
  }
}

describe("pages connected through a real coturn with the relay policy", () => {
  const turn = coturnInSuite("e2e-turn-secret");
  // Relaying session data through the cable is off here: these tests are about TURN, and with it
  // on a page that cannot reach coturn is `relayed` instead of timing out (session_relay.test.ts).
  const demo = demoInBrowser({
    relay: false,
    get ice() {
      const { coturn } = turn;
      return { turnUrls: [coturn.url], turnSecret: coturn.secret, transportPolicy: "relay" as const };
    },
  });
  const chatUrl = (session: string) => (name: string) => `${demo.base}/chat?name=${name}&session=${session}`;

  const closeAfter = (t: TestContext, pages: { context: { close(): Promise<void> } }[]) =>
    t.after(() => Promise.all(pages.map((p) => p.context.close())));

  /** Every connected peer connection of `page` selected a relay pair, under the relay policy. */
  const allRelayed = async (page: PeerPage | Member, expected: number) => {
    const pairs = await selectedPairs(page.page);
    assert.equal(pairs.length, expected, `${JSON.stringify(pairs)}`);
    for (const pair of pairs) {
      assert.deepEqual(
        { local: pair.local, remote: pair.remote, policy: pair.policy },
        {
          local: "relay",
          remote: "relay",
          policy: "relay",
        },
      );
    }
  };

  test("a 4-page session connects and exchanges data and video through TURN only", async (t) => {
    const names = ["host", "ann", "bob", "cid"];
    const started = Date.now();
    const peers = await openSession(
      demo.browser,
      chatUrl("relayed"),
      names,
      PEER_CONNECTION_RECORDER + MEDIA_SINK,
    );
    closeAfter(t, [...peers.values()]);
    console.log(`turn: 4-page session connected through coturn in ${Date.now() - started} ms`);
    await allRelayed(peers.get("host")!, 3);
    for (const name of ["ann", "bob", "cid"]) await allRelayed(peers.get(name)!, 1);
    await sendText(peers.get("bob")!, "through the relay");
    await Promise.all([...peers.values()].map((p) => received(p, "bob", "through the relay")));
    // The host's camera reaches every client, over the same relayed links.
    await peers.get("host")!.page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      (document.querySelector("p2p-frame") as unknown as { addStream(s: MediaStream): void }).addStream(
        stream,
      );
    });
    for (const name of ["ann", "bob", "cid"]) {
      const page = peers.get(name)!.page;
      await waitInPage(page, `${name} to play the host's video`, () => {
        const video = window.__media.host;
        return video !== undefined && video.videoWidth > 0 && video.currentTime > 0.5;
      });
    }
    await allRelayed(peers.get("host")!, 3);
    // The server handed each page its own credential: coturn saw four users, never the secret.
    const users = new Set(turn.coturn.log.flatMap((l) => l.match(/user <(\d+:[a-z]+)>/)?.[1] ?? []));
    for (const name of names)
      assert.ok(
        [...users].some((u) => u.endsWith(`:${name}`)),
        `${name} in ${[...users]}`,
      );
    assert.deepEqual(
      [...peers.values()].flatMap((p) => p.errors),
      [],
    );
  });

  test("a 3-page room plays video through TURN only", async (t) => {
    const url = `${demo.base}/rooms/${randomUUID()}`;
    const members: Member[] = [];
    closeAfter(t, members);
    for (const label of ["r1", "r2", "r3"])
      members.push(await openMember(demo.browser, url, label, PEER_CONNECTION_RECORDER));
    const started = Date.now();
    await Promise.all(members.map(enter));
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    console.log(`turn: 3-page room playing through coturn in ${Date.now() - started} ms`);
    for (const member of members) await allRelayed(member, 2);
    assert.deepEqual(
      members.flatMap((m) => m.errors),
      [],
    );
  });

  test("with coturn stopped the same pages do not connect, and do once it is back", async (t) => {
    const { coturn } = turn;
    await coturn.kill();
    const host = await openPeer(demo.browser, chatUrl("no-relay")("host"), "host", PEER_CONNECTION_RECORDER);
    const ann = await openPeer(demo.browser, chatUrl("no-relay")("ann"), "ann", PEER_CONNECTION_RECORDER);
    closeAfter(t, [host, ann]);
    // ann's link to the host does not open: its negotiation times out (10 s), nothing else carries it.
    await waitInPage(
      ann.page,
      "ann's negotiation_timeout",
      () => window.__p2p.some((e) => e.name === "p2p:error" && e.detail.reason === "negotiation_timeout"),
      undefined,
      30_000,
    );
    for (const page of [host, ann]) {
      const counts = await connectionCounts(page.page);
      assert.equal(counts.connected, 0, `${page.name}: ${JSON.stringify(counts)}`);
      assert.ok(counts.made >= 1, `${page.name} tried`);
    }
    assert.equal(
      await ann.page.evaluate(() => window.__p2p.some((e) => e.name === "p2p:connected")),
      false,
      "ann never connected",
    );
    const backAt = Date.now();
    await coturn.start();
    await Promise.all([host, ann].map((p) => allConnected(p, ["host", "ann"], 0, 40_000)));
    console.log(`turn: connected ${Date.now() - backAt} ms after coturn came back (ann's join retry)`);
    await allRelayed(ann, 1);
    // The pages' timeout was the only error: the missing relay, reported as such.
    const errors = await ann.page.evaluate(() =>
      window.__p2p.filter((e) => e.name === "p2p:error").map((e) => String(e.detail.reason)),
    );
    assert.ok(
      errors.every((reason) => reason === "negotiation_timeout"),
      errors.join(", "),
    );
  });

  test("with relaying on, a page that cannot reach coturn is relayed, then moves to TURN once coturn is back, losing nothing", async (t) => {
    // The same pages against a server that relays session data (the default): a second demo app.
    const { coturn } = turn;
    const app = createDemoApp({
      secret: E2E_SECRET,
      iceServers: [],
      ice: { turnUrls: [coturn.url], turnSecret: coturn.secret, transportPolicy: "relay" },
    });
    const base = await app.listen(0, "127.0.0.1");
    t.after(() => app.close());
    await coturn.kill();
    // p2p=2000: relayed after 2 s; retry=1500: the host tries peer-to-peer again every 1.5 s at most.
    const url = (name: string) => `${base}/chat?name=${name}&session=comes-back&p2p=2000&retry=1500`;
    const host = await openPeer(demo.browser, url("host"), "host", PEER_CONNECTION_RECORDER);
    await becameHost(host);
    const ann = await openPeer(demo.browser, url("ann"), "ann", PEER_CONNECTION_RECORDER);
    closeAfter(t, [host, ann]);
    await waitInPage(ann.page, "ann relayed", () => window.__p2p.some((e) => e.name === "p2p:relayed"));
    const numbered = (from: number, to: number) => {
      const texts: string[] = [];
      for (let i = from; i <= to; i++) texts.push(`ann-${i}`);
      return texts;
    };
    for (const text of numbered(1, 10)) await sendText(ann, text);
    await received(host, "ann", "ann-10");
    // Attempts made while coturn is down never connect; ann stays relayed and keeps talking.
    await waitInPage(
      host.page,
      "the host's second attempt",
      () => window.__pcs.length >= 3,
      undefined,
      20_000,
    );
    assert.equal((await connectionCounts(ann.page)).connected, 0, "no attempt connected without coturn");
    const backAt = Date.now();
    await coturn.start();
    // ann streams numbered messages from now on, across the switch to peer-to-peer.
    await ann.page.evaluate(() => {
      let i = 10;
      const timer = setInterval(() => {
        i += 1;
        (document.querySelector("p2p-frame") as unknown as { send(v: string): void }).send(`ann-${i}`);
        if (i === 200) clearInterval(timer);
      }, 20);
    });
    await waitInPage(
      ann.page,
      "ann connected peer-to-peer",
      () => window.__p2p.some((e) => e.name === "p2p:connected"),
      undefined,
      40_000,
    );
    console.log(`turn: relayed page connected through coturn ${Date.now() - backAt} ms after it came back`);
    await allRelayed(ann, 1);
    await received(host, "ann", "ann-200", 30_000);
    const log = (await dataLog(host)).filter((line) => line.startsWith("ann:"));
    assert.deepEqual(
      log,
      numbered(1, 200).map((text) => `ann:${text}`),
      "every message once, in order",
    );
    assert.deepEqual([...host.errors, ...ann.errors], []);
    const joins = await ann.page.evaluate(() => window.__p2p.filter((e) => e.name === "p2p:host").length);
    assert.equal(joins, 1, "ann never joined again: the host's attempt reached it through the cable");
  });
});
