import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { Signer } from "../../src/cable/signer.js";
import { issueRoomClient } from "../../src/channels/room_token.js";
import { Reasons } from "../../src/protocol/errors.js";
import { launchChromium, openPage, type TrackedPage, waitInPage } from "../support/browser.js";
import { deferred, withDeadline } from "../support/cable.js";
import { type DemoProcess, startDemoProcess } from "../support/demo_process.js";
import { railsConsumer } from "../support/official_clients.js";
import { type PrivateRedis, startRedis } from "../support/redis.js";

// Two demo processes on different ports sharing one private redis-server: what N servers behind a
// load balancer look like. Run `npm run build` first, and run this file through netns-run.

const SECRET = "cluster-secret-0123456789abcdef";
const REMOTE_VIDEOS = "#media [id^='medium_'] video";

interface Member extends TrackedPage {
  clientId: string;
  node: string;
}

async function openMember(
  browser: Browser,
  node: DemoProcess,
  roomId: string,
  label: string,
): Promise<Member> {
  const tracked = await openPage(browser, `${node.url}/rooms/${roomId}`, label);
  await tracked.page.evaluate("globalThis.__name = (fn) => fn");
  const clientId = await tracked.page.evaluate(() => {
    const w = window as unknown as { p2pEvents: string[] };
    w.p2pEvents = [];
    for (const name of ["p2p:room-entered", "p2p:room-error"]) {
      document.addEventListener(name, (event) => {
        const detail = (event as CustomEvent).detail;
        w.p2pEvents.push(`${name} ${detail.reason ?? ""} ${detail.message ?? ""}`);
      });
    }
    return document.querySelector<HTMLElement>("#room")!.dataset.roomClientIdValue!;
  });
  return { ...tracked, clientId, node: node.url };
}

async function enter(member: Member): Promise<void> {
  await waitInPage(member.page, "both turbo stream sources connected", () =>
    [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
  );
  await member.page.click("[data-room-target='enter']");
  await waitInPage(member.page, "p2p:room-entered", () =>
    (window as unknown as { p2pEvents: string[] }).p2pEvents.some((e) => e.startsWith("p2p:room-entered")),
  );
}

/** Exactly `ids`' videos are in `#media`, each with frames, and each one's time advances. */
async function playing(member: Member, ids: string[], timeoutMs = 20_000): Promise<void> {
  const expected = ids.map((id) => `medium_${id}`).sort();
  await waitInPage(
    member.page,
    `remote videos ${expected.join(", ")} with frames`,
    ({ selector, expected }) => {
      const videos = [...document.querySelectorAll<HTMLVideoElement>(selector)];
      const found = videos.map((v) => v.parentElement!.id).sort();
      return (
        JSON.stringify(found) === JSON.stringify(expected) &&
        videos.every((v) => v.videoWidth > 0 && !v.paused)
      );
    },
    { selector: REMOTE_VIDEOS, expected },
    timeoutMs,
  );
  const times = await member.page.evaluate(
    (selector) => [...document.querySelectorAll<HTMLVideoElement>(selector)].map((v) => v.currentTime),
    REMOTE_VIDEOS,
  );
  await waitInPage(
    member.page,
    "every remote video's currentTime to advance",
    ({ selector, times }) =>
      [...document.querySelectorAll<HTMLVideoElement>(selector)].every(
        (v, i) => v.currentTime > times[i]! + 0.2,
      ),
    { selector: REMOTE_VIDEOS, times },
    timeoutMs,
  );
}

const others = (members: Member[], self: Member) => members.filter((m) => m !== self).map((m) => m.clientId);

/** Subscribes to RoomChannel with @rails/actioncable from Node; resolves with the error then rejection. */
async function roomSubscribeOutcome(node: DemoProcess, roomId: string) {
  const { token } = issueRoomClient(new Signer(SECRET), roomId);
  const consumer = railsConsumer(`${node.url.replace("http", "ws")}/cable`);
  const outcome = deferred<{
    state: "confirmed" | "rejected";
    errors: Array<{ reason: string; message: string }>;
  }>();
  const errors: Array<{ reason: string; message: string }> = [];
  consumer.subscriptions.create(
    { channel: "RoomChannel", token },
    {
      received: (data: { type?: string; reason: string; message: string }) => {
        if (data.type === "error") errors.push({ reason: data.reason, message: data.message });
      },
      connected: () => outcome.resolve({ state: "confirmed", errors }),
      rejected: () => outcome.resolve({ state: "rejected", errors }),
    },
  );
  try {
    return await withDeadline(outcome.promise, "the RoomChannel subscription to confirm or reject");
  } finally {
    consumer.disconnect();
  }
}

describe("two demo processes sharing Redis", () => {
  let browser: Browser | null = null;
  let redis: PrivateRedis;
  let nodeA: DemoProcess;
  let nodeB: DemoProcess;
  const roomId = randomUUID();
  const members: Member[] = [];
  const stops: Array<() => Promise<void>> = [];

  before(async (t) => {
    browser = await launchChromium(t as never);
    redis = (await startRedis(t as never))!;
    nodeA = await startDemoProcess(["--redis", redis.url, "--secret", SECRET]);
    stops.push(() => nodeA.stop());
    nodeB = await startDemoProcess(["--redis", redis.url, "--secret", SECRET]);
    stops.push(() => nodeB.stop());
    assert.notEqual(nodeA.url, nodeB.url);
  });

  after(async () => {
    await browser?.close();
    await Promise.all(stops.map((stop) => stop()));
    await redis?.stop();
  });

  test("connects a video room whose members are on both nodes", async () => {
    members.push(await openMember(browser!, nodeA, roomId, "ann@A"));
    members.push(await openMember(browser!, nodeB, roomId, "bob@B"));
    members.push(await openMember(browser!, nodeB, roomId, "cid@B"));
    await Promise.all(members.map(enter));
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    assert.deepEqual(
      members.flatMap((m) => m.errors),
      [],
    );
  });

  test("refuses new joins with pubsub_unavailable while Redis is down and keeps established peer connections", async () => {
    const markA = nodeA.logs.length;
    const markB = nodeB.logs.length;
    await redis.stop();
    await nodeA.waitForLog({ msg: "redis connection lost", role: "pubsub subscriber" }, markA);
    await nodeB.waitForLog({ msg: "redis connection lost", role: "pubsub subscriber" }, markB);

    for (const node of [nodeA, nodeB]) {
      const outcome = await roomSubscribeOutcome(node, roomId);
      assert.equal(outcome.state, "rejected");
      assert.equal(outcome.errors[0]?.reason, Reasons.pubsubUnavailable);
      assert.match(outcome.errors[0]!.message, /Redis is unavailable/);
    }
    // Media flows peer to peer: every video keeps playing without Redis.
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    assert.equal(nodeA.child.exitCode, null, "node A is still running");
    assert.equal(nodeB.child.exitCode, null, "node B is still running");
  });

  test("accepts joins again once Redis is back, without restarting the nodes", async (t) => {
    const markA = nodeA.logs.length;
    const markB = nodeB.logs.length;
    redis = (await startRedis(t, redis.port))!;
    for (const [node, mark] of [
      [nodeA, markA],
      [nodeB, markB],
    ] as const) {
      await node.waitForLog({ msg: "redis reconnected", role: "pubsub publisher" }, mark);
      await node.waitForLog({ msg: "redis resubscribed" }, mark);
    }
    const outcome = await roomSubscribeOutcome(nodeB, roomId);
    assert.equal(outcome.state, "confirmed");
    const dan = await openMember(browser!, nodeA, roomId, "dan@A");
    members.push(dan);
    await enter(dan);
    // Four pages decoding three fake streams each on two shared cores: allow a generous deadline.
    await Promise.all(members.map((m) => playing(m, others(members, m), 40_000)));
  });
});
