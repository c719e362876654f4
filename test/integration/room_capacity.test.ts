import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Consumer } from "@rails/actioncable";
import type { ChannelClass } from "../../src/cable/channel.js";
import { createRoomChannel, RoomChannel } from "../../src/channels/room_channel.js";
import { issueRoomClient, type RoomClient } from "../../src/identity/room_token.js";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import type { PubSub } from "../../src/pubsub/adapter.js";
import { RedisPubSub } from "../../src/pubsub/redis.js";
import { cableMetrics } from "../../src/server/cable_metrics.js";
import type { RoomStore } from "../../src/store/room_adapter.js";
import { MemoryRoomStore } from "../../src/store/room_memory.js";
import { RedisRoomStore } from "../../src/store/room_redis.js";
import { type RunningCable, startCable, withDeadline } from "../support/cable.js";
import { Inbox, type Message } from "../support/inbox.js";
import { parseExposition } from "../support/metrics_scrape.js";
import { railsConsumer } from "../support/official_clients.js";
import { sharedRedis } from "../support/redis.js";

// The hard cap on a mesh room's size (issue #18): RoomChannel takes a leased place in a RoomStore
// before it confirms, over real sockets with the official Rails client.

const { url: redisUrl } = sharedRedis();

/** One page's `RoomChannel` subscription, on a consumer (socket) of its own. */
interface Presence {
  client: RoomClient;
  consumer: Consumer;
  inbox: Inbox<Message>;
  unsubscribe(): void;
}

/** A cable serving only `channel`, closed (with every consumer it handed out) when the test ends. */
async function roomCable(t: TestContext, channel: ChannelClass, pubsub?: PubSub) {
  const running: RunningCable = await startCable(t, { channels: [channel], ...(pubsub ? { pubsub } : {}) });
  const consumers: Consumer[] = [];
  t.after(() => {
    for (const consumer of consumers) consumer.disconnect();
  });
  /** Subscribes a new client of `roomId` and resolves once it is confirmed or rejected. */
  const enter = async (roomId: string, signer = running.cable.signer): Promise<Presence> => {
    const client = issueRoomClient(signer, roomId);
    const consumer = railsConsumer(running.url);
    consumers.push(consumer);
    const inbox = new Inbox<Message>(client.clientId.slice(0, 8));
    const subscription = consumer.subscriptions.create(
      { channel: "RoomChannel", token: client.token },
      {
        connected: () => inbox.settle("connected"),
        rejected: () => inbox.settle("rejected"),
        received: (message: Message) => inbox.push(message),
      },
    );
    await inbox.until(() => (inbox.connected || inbox.rejected ? true : undefined), "confirm or reject");
    return { client, consumer, inbox, unsubscribe: () => subscription.unsubscribe() };
  };
  return { ...running, enter };
}

/** Asserts the subscription was refused: the `room_full` error naming the cap, then the rejection. */
function assertRoomFull(presence: Presence, max: number): void {
  assert.equal(presence.inbox.rejected, true, "rejected");
  assert.equal(presence.inbox.connected, false, "never confirmed");
  assert.deepEqual(presence.inbox.messages, [
    { type: "error", reason: Reasons.roomFull, message: `Room is full: ${max} members at most` },
  ]);
}

/** Who `presence` has heard join and leave, in order (`+id` / `-id`). */
function heard(presence: Presence): string[] {
  return presence.inbox.all(() => true).map((m) => `${m.type === "joined" ? "+" : "-"}${String(m.from)}`);
}

/** Waits until `presence` hears `from` leave. */
function leftAt(presence: Presence, from: Presence): Promise<Message> {
  const id = from.client.clientId;
  return presence.inbox.next((m) => m.type === "left" && m.from === id, `${id} left`);
}

describe("RoomChannel room size", () => {
  test("rejects the subscriber beyond maxMembers with room_full naming the cap, leaving the members undisturbed", async (t) => {
    const store = new MemoryRoomStore();
    const { enter } = await roomCable(t, createRoomChannel({ store, maxMembers: 2 }));
    const ann = await enter("r1");
    const bob = await enter("r1");
    assert.ok(ann.inbox.connected && bob.inbox.connected);
    const cy = await enter("r1");
    assertRoomFull(cy, 2);
    assert.deepEqual(await store.members("r1"), [ann.client.clientId, bob.client.clientId].sort());

    // A `joined` of cy would be on the presence stream before bob's `left`: ann heard neither cy nor an error.
    bob.unsubscribe();
    await leftAt(ann, bob);
    const [a, b] = [ann.client.clientId, bob.client.clientId];
    assert.deepEqual(heard(ann), [`+${a}`, `+${b}`, `-${b}`]);

    const dan = await enter("r1");
    assert.equal(dan.inbox.connected, true, "bob's place went to dan");
    await ann.inbox.next((m) => m.type === "joined" && m.from === dan.client.clientId, "dan joined");
    assertRoomFull(await enter("r1"), 2);
  });

  test("frees the place of a member whose socket closes", async (t) => {
    const store = new MemoryRoomStore();
    const { enter } = await roomCable(t, createRoomChannel({ store, maxMembers: 2 }));
    const ann = await enter("r1");
    const bob = await enter("r1");
    bob.consumer.disconnect();
    await leftAt(ann, bob);
    assert.deepEqual(await store.members("r1"), [ann.client.clientId]);
    assert.equal((await enter("r1")).inbox.connected, true);
  });

  test("caps each room on its own, the exported RoomChannel at 8, and counts refusals in p2p_rejects_total", async (t) => {
    const { cable, enter } = await roomCable(t, RoomChannel);
    const metrics = cableMetrics(cable);
    t.after(() => metrics.stop());
    for (let i = 0; i < 8; i++) assert.equal((await enter("big")).inbox.connected, true, `member ${i + 1}`);
    assertRoomFull(await enter("big"), 8);
    assert.equal((await enter("other")).inbox.connected, true, "another room has room");
    const labels = { stage: "subscription", reason: Reasons.roomFull, channel: "RoomChannel" };
    assert.equal(parseExposition(await metrics.metrics()).value("p2p_rejects_total", labels), 1);
  });

  test("keeps a member's lease refreshed while it is subscribed, and stops when it leaves", async (t) => {
    const store = new CountingStore(new MemoryRoomStore());
    const { enter } = await roomCable(t, createRoomChannel({ store, maxMembers: 2, leaseMs: 40 }));
    const ann = await enter("r1");
    const bob = await enter("r1");
    const [a, b] = [ann.client.clientId, bob.client.clientId];
    // Ten leases of 40 ms later ann still holds its place: every lease was refreshed in time.
    await store.refreshed(a, 40);
    assert.deepEqual(await store.members("r1"), [a, b].sort());
    ann.unsubscribe();
    await withDeadline(store.left(a), "ann's leave");
    const after = store.refreshes(a);
    await store.refreshed(b, 8); // two more leases: ann's timer would have ticked meanwhile
    assert.equal(store.refreshes(a), after, "no refresh after the leave");
    assert.deepEqual(await store.members("r1"), [b]);
  });

  test("rejects with store_unavailable when the store cannot take the join", async (t) => {
    const store = new CountingStore(new MemoryRoomStore());
    store.failJoins = true;
    const { enter } = await roomCable(t, createRoomChannel({ store }));
    const ann = await enter("r1");
    assert.equal(ann.inbox.rejected, true);
    assert.deepEqual(ann.inbox.messages, [
      { type: "error", reason: Reasons.storeUnavailable, message: "Redis room join failed: connection lost" },
    ]);
  });
});

describe("RoomChannel room size across two cable servers sharing Redis", () => {
  test("shares the cap: a room full on one node refuses joins on the other", async (t) => {
    const url = await redisUrl(t);
    const node = async () => {
      const pubsub = new RedisPubSub({ url });
      const store = new RedisRoomStore({ url });
      t.after(async () => {
        await pubsub.close();
        await store.close();
      });
      return roomCable(t, createRoomChannel({ store, maxMembers: 2 }), pubsub);
    };
    const nodeA = await node();
    const nodeB = await node();
    const signer = nodeA.cable.signer;
    const ann = await nodeA.enter("shared", signer);
    const bob = await nodeB.enter("shared", signer);
    assert.ok(ann.inbox.connected && bob.inbox.connected);
    assertRoomFull(await nodeA.enter("shared", signer), 2);
    assertRoomFull(await nodeB.enter("shared", signer), 2);

    bob.unsubscribe();
    await leftAt(ann, bob);
    const cy = await nodeA.enter("shared", signer);
    assert.equal(cy.inbox.connected, true, "bob's place on node B went to cy on node A");
  });

  test("frees the places of a node's members once their leases lapse", async (t) => {
    const url = await redisUrl(t);
    const store = new RedisRoomStore({ url });
    t.after(() => store.close());
    const { enter } = await roomCable(t, createRoomChannel({ store, maxMembers: 2, leaseMs: 200 }));
    const ann = await enter("crash");
    // A member of a node that died: joined, and never refreshed again.
    await store.join("crash", "ghost", { maxMembers: 2, leaseMs: 200 });
    assertRoomFull(await enter("crash"), 2);
    const deadline = Date.now() + 5000;
    while ((await store.members("crash")).includes("ghost")) {
      if (Date.now() > deadline) throw new Error("timed out waiting for ghost's lease to lapse");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(
      await store.members("crash"),
      [ann.client.clientId],
      "ann's lease was refreshed meanwhile",
    );
    assert.equal((await enter("crash")).inbox.connected, true);
  });
});

/**
 * A `RoomStore` that counts refreshes and leaves of the store it wraps, and can fail joins as a
 * Redis store does when Redis is away.
 */
class CountingStore implements RoomStore {
  failJoins = false;
  readonly #store: RoomStore;
  readonly #refreshes = new Map<string, number>();
  readonly #inbox = new Inbox<string>("store");

  constructor(store: RoomStore) {
    this.#store = store;
  }

  join: RoomStore["join"] = async (roomId, clientId, options) => {
    if (this.failJoins)
      throw new P2pError(Reasons.storeUnavailable, "Redis room join failed: connection lost");
    return this.#store.join(roomId, clientId, options);
  };

  refresh: RoomStore["refresh"] = async (roomId, clientId, leaseMs) => {
    this.#refreshes.set(clientId, this.refreshes(clientId) + 1);
    this.#inbox.changed();
    return this.#store.refresh(roomId, clientId, leaseMs);
  };

  leave: RoomStore["leave"] = async (roomId, clientId, options) => {
    const left = await this.#store.leave(roomId, clientId, options);
    this.#inbox.push(`left:${clientId}`);
    return left;
  };

  members: RoomStore["members"] = (roomId) => this.#store.members(roomId);

  close: RoomStore["close"] = () => this.#store.close();

  refreshes(clientId: string): number {
    return this.#refreshes.get(clientId) ?? 0;
  }

  /** Resolves once `clientId` has been refreshed `count` more times than now. */
  refreshed(clientId: string, count: number): Promise<true> {
    const until = this.refreshes(clientId) + count;
    return this.#inbox.until(
      () => (this.refreshes(clientId) >= until ? true : undefined),
      `${count} refreshes`,
    );
  }

  left(clientId: string): Promise<string> {
    return this.#inbox.until(
      () => this.#inbox.messages.find((m) => m === `left:${clientId}`),
      `${clientId} to leave`,
    );
  }
}
