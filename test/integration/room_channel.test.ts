import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Consumer } from "@rails/actioncable";
import { Signer } from "../../src/cable/signer.js";
import { RoomChannel } from "../../src/channels/room_channel.js";
import { RoomSignalingChannel } from "../../src/channels/room_signaling_channel.js";
import { TurboStreamsChannel } from "../../src/channels/turbo_streams_channel.js";
import { TURBO_STREAMS_CHANNEL } from "../../src/html/tags.js";
import { issueRoomClient, type RoomClient, roomStreams } from "../../src/identity/room_token.js";
import { RedisPubSub } from "../../src/pubsub/redis.js";
import { startCable, TEST_SECRET } from "../support/cable.js";
import { Inbox } from "../support/inbox.js";
import { railsConsumer } from "../support/official_clients.js";
import { startRedis } from "../support/redis.js";

type Subscription = ReturnType<Consumer["subscriptions"]["create"]>;

function subscribe(
  consumer: Consumer,
  params: Record<string, unknown>,
): { inbox: Inbox; subscription: Subscription } {
  const inbox = new Inbox();
  const subscription = consumer.subscriptions.create(params as { channel: string }, {
    connected: () => inbox.settle("connected"),
    rejected: () => inbox.settle("rejected"),
    received: (message: unknown) => inbox.push(message),
  });
  return { inbox, subscription };
}

async function subscribed(consumer: Consumer, params: Record<string, unknown>) {
  const result = subscribe(consumer, params);
  await result.inbox.until(() => (result.inbox.connected ? true : undefined), `confirm of ${params.channel}`);
  return result;
}

/** One room page as the browser would hold it: personal + room Turbo streams, signaling, presence. */
async function member(url: string, signer: Signer, client: RoomClient) {
  const consumer = railsConsumer(url);
  const turbo = (name: string) =>
    subscribed(consumer, { channel: TURBO_STREAMS_CHANNEL, signed_stream_name: signer.signStreamName(name) });
  const personal = await turbo(roomStreams.client(client.roomId, client.clientId));
  const room = await turbo(roomStreams.room(client.roomId));
  const signaling = await subscribed(consumer, { channel: "RoomSignalingChannel", token: client.token });
  const presence = await subscribed(consumer, { channel: "RoomChannel", token: client.token });
  return { client, consumer, personal: personal.inbox, room: room.inbox, signaling, presence };
}

async function startRoomCable(t: import("node:test").TestContext) {
  const running = await startCable(t, { channels: [TurboStreamsChannel, RoomChannel, RoomSignalingChannel] });
  const consumers: Consumer[] = [];
  t.after(() => {
    for (const consumer of consumers) consumer.disconnect();
  });
  const join = async (client: RoomClient) => {
    const joined = await member(running.url, running.cable.signer, client);
    consumers.push(joined.consumer);
    return joined;
  };
  return { ...running, join, issue: (roomId: string) => issueRoomClient(running.cable.signer, roomId) };
}

describe("RoomChannel", () => {
  test("broadcasts a newcomer's presence to the members of its room", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    const joined = await ann.presence.inbox.next((m) => m.from === bob.client.clientId, "bob joined at ann");
    assert.deepEqual(joined, { type: "joined", from: bob.client.clientId });
  });

  test("appends the greeter's media element on the addressed client's personal stream only", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    const cid = await join(issue("r1"));
    ann.presence.subscription.perform("greet", { to: bob.client.clientId });
    ann.presence.subscription.perform("greet", { to: cid.client.clientId, reply: true });
    const toBob = await bob.personal.nextHtml(`medium_${ann.client.clientId}`, "ann's element at bob");
    assert.equal(
      toBob,
      `<turbo-stream action="append" target="media"><template><div id="medium_${ann.client.clientId}" class="medium" data-controller="medium" data-medium-client-id-value="${ann.client.clientId}"><video autoplay playsinline></video><p class="medium-caption"><bdi class="medium-name">${ann.client.clientId.slice(0, 8)}</bdi><span id="medium-state_${ann.client.clientId}" class="medium-state" data-muted="false" data-camera-off="false"></span><span class="peer-state"></span></p></div></template></turbo-stream>`,
    );
    const toCid = await cid.personal.nextHtml(`medium_${ann.client.clientId}`, "ann's element at cid");
    assert.match(toCid, /data-medium-reply-value="true"/);
    // cid's socket carried the greeting to bob first, had it leaked: its personal stream holds one message.
    assert.equal(cid.personal.messages.length, 1);
    assert.equal(bob.personal.messages.length, 1);
    assert.equal(ann.personal.messages.length, 0);
  });

  test("stamps the greeter from the token, whatever from the client sends", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    ann.presence.subscription.perform("greet", { to: bob.client.clientId, from: "mallory" });
    const html = await bob.personal.nextHtml("medium_", "a greeting at bob");
    assert.ok(html.includes(`id="medium_${ann.client.clientId}"`));
    assert.ok(!html.includes("mallory"));
  });

  test("refuses a greeting whose to is not a safe id, and renders nothing", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    ann.presence.subscription.perform("greet", { to: '"><script>alert(1)</script>' });
    const error = await ann.presence.inbox.next((m) => m.type === "error", "the greet error");
    assert.equal(error.reason, "invalid_message");
    assert.match(String(error.message), /greet needs "to"/);
    ann.presence.subscription.perform("greet", {});
    await ann.presence.inbox.until(
      () =>
        ann.presence.inbox.messages.filter((m) => (m as { type?: string }).type === "error").length === 2
          ? true
          : undefined,
      "the second greet error",
    );
  });

  test("broadcasts the remove of a leaving client's element to the room and its departure on presence", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    bob.presence.subscription.unsubscribe();
    const remove = await ann.room.nextHtml("remove", "the remove at ann");
    assert.equal(
      remove,
      `<turbo-stream action="remove" target="medium_${bob.client.clientId}"></turbo-stream>`,
    );
    const left = await ann.presence.inbox.next((m) => m.type === "left", "bob left at ann");
    assert.deepEqual(left, { type: "left", from: bob.client.clientId });
  });

  test("broadcasts the remove when the leaving client's socket closes", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    bob.consumer.disconnect();
    const remove = await ann.room.nextHtml(`medium_${bob.client.clientId}`, "the remove at ann");
    assert.match(remove, /action="remove"/);
  });

  test("rejects a tampered, foreign-secret or wrong-purpose token with a reason", async (t) => {
    const { url, cable, issue } = await startRoomCable(t);
    const consumer = railsConsumer(url);
    t.after(() => consumer.disconnect());
    const good = issue("r1");
    const [data, digest] = good.token.split("--") as [string, string];
    const forgedValue = Buffer.from(
      JSON.stringify({ v: { roomId: "r1", clientId: "mallory" }, p: "room" }),
    ).toString("base64");
    const tokens = {
      tampered: `${forgedValue}--${digest}`,
      truncated: `${data}--${digest.slice(1)}`,
      foreign: issueRoomClient(new Signer(`${TEST_SECRET}-other`), "r1").token,
      session: cable.signer.sign({ roomId: "r1", clientId: "x" }, { purpose: "session" }),
      shapeless: cable.signer.sign({ roomId: "r1", clientId: "<b>" }, { purpose: "room" }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      for (const channel of ["RoomChannel", "RoomSignalingChannel"]) {
        const { inbox } = subscribe(consumer, { channel, token });
        await inbox.until(
          () => (inbox.rejected ? true : undefined),
          `rejection of the ${name} token on ${channel}`,
        );
        const error = inbox.messages[0] as Record<string, unknown>;
        assert.equal(error.type, "error", `${name} on ${channel}`);
        assert.equal(error.reason, "invalid_token", `${name} on ${channel}`);
      }
    }
  });

  test("rejects an expired token with expired_token", async (t) => {
    const { url, cable } = await startRoomCable(t);
    const consumer = railsConsumer(url);
    t.after(() => consumer.disconnect());
    const token = cable.signer.sign({ roomId: "r1", clientId: "old" }, { purpose: "room", expiresIn: -1 });
    const { inbox } = subscribe(consumer, { channel: "RoomChannel", token });
    await inbox.until(() => (inbox.rejected ? true : undefined), "rejection of the expired token");
    assert.equal((inbox.messages[0] as Record<string, unknown>).reason, "expired_token");
  });
});

describe("RoomSignalingChannel", () => {
  const offer = { type: "offer", sdp: "v=0\r\n" };

  test("delivers a description to the addressed client only, stamped with the verified sender", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    const cid = await join(issue("r1"));
    ann.signaling.subscription.perform("signal", {
      to: bob.client.clientId,
      from: cid.client.clientId,
      description: offer,
    });
    ann.signaling.subscription.perform("signal", { to: cid.client.clientId, candidate: null });
    const atBob = await bob.signaling.inbox.next((m) => m.type === "signal", "the offer at bob");
    assert.deepEqual(atBob, { type: "signal", from: ann.client.clientId, description: offer });
    await cid.signaling.inbox.next((m) => m.type === "signal", "the candidate at cid");
    assert.deepEqual(cid.signaling.inbox.messages, [
      { type: "signal", from: ann.client.clientId, candidate: null },
    ]);
    assert.deepEqual(ann.signaling.inbox.messages, []);
  });

  test("keeps signals inside the room of the sender's token", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const amy = await join(issue("r1"));
    const dan = await join(issue("r2"));
    const eve = await join(issue("r2"));
    ann.signaling.subscription.perform("signal", { to: dan.client.clientId, description: offer });
    // Once amy has ann's next signal, a leak to dan would already be on dan's socket, before eve's.
    ann.signaling.subscription.perform("signal", { to: amy.client.clientId, description: offer });
    await amy.signaling.inbox.next((m) => m.type === "signal", "ann's offer at amy");
    eve.signaling.subscription.perform("signal", { to: dan.client.clientId, description: offer });
    const first = await dan.signaling.inbox.next((m) => m.type === "signal", "eve's offer at dan");
    assert.equal(first.from, eve.client.clientId);
    assert.equal(dan.signaling.inbox.messages.length, 1);
  });

  test("refuses a malformed signal with invalid_message and relays nothing", async (t) => {
    const { join, issue } = await startRoomCable(t);
    const ann = await join(issue("r1"));
    const bob = await join(issue("r1"));
    const to = bob.client.clientId;
    const bad = [
      { to },
      { to: "../etc", description: offer },
      { to, description: { type: "bogus", sdp: "" } },
      { to, description: { type: "offer", sdp: "x".repeat(40_000) } },
      { to, candidate: "not an object" },
      { to, candidate: { candidate: 42 } },
    ];
    for (const data of bad) ann.signaling.subscription.perform("signal", data);
    await ann.signaling.inbox.until(
      () => (ann.signaling.inbox.messages.length === bad.length ? true : undefined),
      "one error per bad signal",
    );
    for (const message of ann.signaling.inbox.messages) {
      assert.equal((message as Record<string, unknown>).reason, "invalid_message");
    }
    ann.signaling.subscription.perform("signal", { to, description: offer });
    await bob.signaling.inbox.next((m) => m.type === "signal", "the good offer at bob");
    assert.equal(bob.signaling.inbox.messages.length, 1);
  });
});

describe("rooms across two cable servers sharing Redis", () => {
  test("greets, signals and removes across nodes", async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    t.after(() => redis.stop());
    const pubsubs = [new RedisPubSub({ url: redis.url }), new RedisPubSub({ url: redis.url })];
    t.after(() => Promise.all(pubsubs.map((pubsub) => pubsub.close())));
    const channels = [TurboStreamsChannel, RoomChannel, RoomSignalingChannel];
    const nodeA = await startCable(t, { channels, pubsub: pubsubs[0] });
    const nodeB = await startCable(t, { channels, pubsub: pubsubs[1] });
    const signer = nodeA.cable.signer;
    const ann = await member(nodeA.url, signer, issueRoomClient(signer, "r1"));
    const bob = await member(nodeB.url, signer, issueRoomClient(signer, "r1"));
    t.after(() => {
      ann.consumer.disconnect();
      bob.consumer.disconnect();
    });
    await ann.presence.inbox.next(
      (m) => m.type === "joined" && m.from === bob.client.clientId,
      "bob joined at ann",
    );
    ann.presence.subscription.perform("greet", { to: bob.client.clientId });
    await bob.personal.nextHtml(`id="medium_${ann.client.clientId}"`, "ann's element at bob");
    bob.signaling.subscription.perform("signal", {
      to: ann.client.clientId,
      description: { type: "offer", sdp: "v=0" },
    });
    const signal = await ann.signaling.inbox.next((m) => m.type === "signal", "bob's offer at ann");
    assert.equal(signal.from, bob.client.clientId);
    bob.consumer.disconnect();
    await ann.room.nextHtml(`target="medium_${bob.client.clientId}"`, "the remove of bob at ann");
  });
});
