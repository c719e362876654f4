import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { Signer } from "../../src/cable/signer.js";
import { issueRoomClient } from "../../src/identity/room_token.js";
import { Reasons } from "../../src/protocol/errors.js";
import { launchChromium } from "../support/browser.js";
import { deferred, withDeadline } from "../support/cable.js";
import { type DemoProcess, startDemoProcess } from "../support/demo_process.js";
import { railsConsumer } from "../support/official_clients.js";
import { type PrivateRedis, startRedis } from "../support/redis.js";
import { enter, type Member, openMember, others, playing } from "../support/room_pages.js";

// Two demo processes on different ports sharing one private redis-server: what N servers behind a
// load balancer look like. Run `npm run build` first, and run this file through netns-run.

const SECRET = "cluster-secret-0123456789abcdef";

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
  const roomUrl = (node: DemoProcess) => `${node.url}/rooms/${roomId}`;

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
    members.push(await openMember(browser!, roomUrl(nodeA), "ann@A"));
    members.push(await openMember(browser!, roomUrl(nodeB), "bob@B"));
    members.push(await openMember(browser!, roomUrl(nodeB), "cid@B"));
    await Promise.all(members.map(enter));
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    assert.deepEqual(
      members.flatMap((m) => m.errors),
      [],
    );
  });

  test("refuses new joins with store_unavailable while Redis is down and keeps established peer connections", async () => {
    const markA = nodeA.logs.length;
    const markB = nodeB.logs.length;
    await redis.stop();
    await nodeA.waitForLog({ msg: "redis connection lost", role: "pubsub subscriber" }, markA);
    await nodeB.waitForLog({ msg: "redis connection lost", role: "pubsub subscriber" }, markB);

    for (const node of [nodeA, nodeB]) {
      const outcome = await roomSubscribeOutcome(node, roomId);
      assert.equal(outcome.state, "rejected");
      // RoomChannel takes a place in the room store before it streams: the store answers first.
      assert.equal(outcome.errors[0]?.reason, Reasons.storeUnavailable);
      assert.match(outcome.errors[0]!.message, /Redis is unavailable/);
    }
    // Media flows peer to peer: every video keeps playing without Redis.
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    assert.equal(nodeA.child.exitCode, null, "node A is still running");
    assert.equal(nodeB.child.exitCode, null, "node B is still running");
  });

  test("accepts joins again once Redis is back, without restarting the nodes", async () => {
    const markA = nodeA.logs.length;
    const markB = nodeB.logs.length;
    await redis.restart();
    for (const [node, mark] of [
      [nodeA, markA],
      [nodeB, markB],
    ] as const) {
      await node.waitForLog({ msg: "redis reconnected", role: "pubsub publisher" }, mark);
      await node.waitForLog({ msg: "redis resubscribed" }, mark);
    }
    const outcome = await roomSubscribeOutcome(nodeB, roomId);
    assert.equal(outcome.state, "confirmed");
    const dan = await openMember(browser!, roomUrl(nodeA), "dan@A");
    members.push(dan);
    await enter(dan);
    // Four pages decoding three fake streams each on two shared cores: allow a generous deadline.
    await Promise.all(members.map((m) => playing(m, others(members, m), 40_000)));
  });
});
