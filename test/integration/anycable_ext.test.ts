import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { WebSocket } from "ws";
import type { ChannelClass } from "../../src/cable/channel.js";
import type { CableServerOptions } from "../../src/cable/server.js";
import { MemoryPubSub } from "../../src/pubsub/memory.js";
import { RedisPubSub } from "../../src/pubsub/redis.js";
import { RedisCableSessionStore } from "../../src/store/redis_cable_sessions.js";
import { createTestChannel, identifier, RawClient, startCable, withDeadline } from "../support/cable.js";
import { extCable, nextCableEvent, nextInfo, positionedInbox } from "../support/ext_client.js";
import { sharedRedis } from "../support/redis.js";
import { startTcpProxy } from "../support/tcp_proxy.js";

const EXT = "actioncable-v1-ext-json";
const ROOM = identifier({ channel: "TestChannel", room: "h" });

/** A raw socket on the extended protocol, past its `welcome`. */
async function extRaw(url: string): Promise<{ client: RawClient; welcome: Record<string, unknown> }> {
  const client = await RawClient.open(url, { protocols: [EXT] });
  const welcome = await client.next((f) => f.type === "welcome", "welcome");
  return { client, welcome };
}

describe("the extended protocol (actioncable-v1-ext-json)", () => {
  test("is picked when offered and welcomes with a sid; the plain protocol is unchanged", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const { client, welcome } = await extRaw(url);
    t.after(() => client.close());
    assert.equal(client.socket.protocol, EXT);
    assert.equal(typeof welcome.sid, "string");
    assert.deepEqual(Object.keys(welcome).sort(), ["sid", "type"]);

    const plain = new RawClient(url);
    t.after(() => plain.close());
    const raw = await withDeadline(
      new Promise<string>((resolve) => plain.socket.once("message", (data) => resolve(String(data)))),
      "plain welcome",
    );
    assert.equal(plain.socket.protocol, "actioncable-v1-json");
    assert.equal(raw, '{"type":"welcome"}');
  });

  test("sends broadcasts with stream_id, epoch and offset to ext clients, and without to plain ones", async (t) => {
    const { url, cable } = await startCable(t, { channels: [createTestChannel()] });
    const { client } = await extRaw(url);
    const plain = await RawClient.connect(url);
    t.after(() => {
      client.close();
      plain.close();
    });
    await client.subscribed(ROOM);
    await plain.subscribed(ROOM);
    await cable.broadcast("test:h", { n: 1 });
    await cable.broadcast("test:h", { n: 2 });
    const second = await client.next((f) => (f.message as { n?: number })?.n === 2, "second broadcast");
    const first = client.all((f) => (f.message as { n?: number })?.n === 1)[0]!;
    assert.equal(first.stream_id, "test:h");
    assert.equal(typeof first.epoch, "string");
    assert.equal(second.epoch, first.epoch);
    assert.equal(second.offset, (first.offset as number) + 1);
    const plainFrame = await plain.next((f) => (f.message as { n?: number })?.n === 2, "plain broadcast");
    assert.deepEqual(Object.keys(plainFrame).sort(), ["identifier", "message"]);
  });

  test("replays history after an offset, then confirm_history", async (t) => {
    const { url, cable } = await startCable(t, { channels: [createTestChannel()] });
    const { client } = await extRaw(url);
    t.after(() => client.close());
    await client.subscribed(ROOM);
    for (let n = 1; n <= 5; n++) await cable.broadcast("test:h", { n });
    const third = await client.next((f) => (f.message as { n?: number })?.n === 3, "third");
    await client.next((f) => (f.message as { n?: number })?.n === 5, "fifth");
    client.send({
      command: "history",
      identifier: ROOM,
      history: { streams: { "test:h": { epoch: third.epoch, offset: third.offset } } },
    });
    const replayed = [
      await client.next((f) => (f.message as { n?: number })?.n === 4, "replayed 4"),
      await client.next((f) => (f.message as { n?: number })?.n === 5, "replayed 5"),
    ];
    assert.deepEqual(
      replayed.map((f) => f.offset),
      [(third.offset as number) + 1, (third.offset as number) + 2],
    );
    await client.next((f) => f.type === "confirm_history" && f.identifier === ROOM, "confirm_history");
  });

  test("answers reject_history for a wrong epoch and for an offset older than the history", async (t) => {
    const pubsub = new MemoryPubSub({ historyLimit: 5 });
    t.after(() => pubsub.close());
    const { url, cable } = await startCable(t, { channels: [createTestChannel()], pubsub });
    const { client } = await extRaw(url);
    t.after(() => client.close());
    await client.subscribed(ROOM);
    for (let n = 1; n <= 10; n++) await cable.broadcast("test:h", { n });
    const last = await client.next((f) => (f.message as { n?: number })?.n === 10, "tenth");

    client.send({
      command: "history",
      identifier: ROOM,
      history: { streams: { "test:h": { epoch: "not-the-epoch", offset: 8 } } },
    });
    await client.next((f) => f.type === "reject_history", "reject_history for a wrong epoch");

    client.send({
      command: "history",
      identifier: ROOM,
      history: { streams: { "test:h": { epoch: last.epoch, offset: 2 } } },
    });
    await client.next((f) => f.type === "reject_history", "reject_history for a too old offset");

    client.send({
      command: "history",
      identifier: ROOM,
      history: { streams: { "test:h": { epoch: last.epoch, offset: 8 } } },
    });
    await client.next((f) => f.type === "confirm_history", "confirm_history within the history");
    const replayed = client.all((f) => f.offset === 9 || f.offset === 10);
    assert.equal(replayed.length, 4, "9 and 10 live, then 9 and 10 replayed on request");
  });

  test("passes a whisper to the other subscribers of the stream, never to the sender, never into history", async (t) => {
    const { url, cable } = await startCable(t, { channels: [createTestChannel()] });
    const { client: sender } = await extRaw(url);
    const { client: other } = await extRaw(url);
    const plain = await RawClient.connect(url);
    t.after(() => {
      for (const c of [sender, other, plain]) c.close();
    });
    for (const c of [sender, other, plain]) await c.subscribed(ROOM);
    sender.send({ command: "whisper", identifier: ROOM, data: { typing: true } });
    const heard = await other.next((f) => "message" in f, "the whisper");
    assert.deepEqual(heard, { identifier: ROOM, message: { typing: true } });
    await plain.next(
      (f) => (f.message as { typing?: boolean })?.typing === true,
      "the whisper on a plain socket",
    );
    await cable.broadcast("test:h", { n: 1 });
    const first = await sender.next((f) => "message" in f, "the sender's first data frame");
    assert.deepEqual(first.message, { n: 1 }, "the sender did not get its own whisper");
    assert.equal(first.offset, 1, "the whisper took no offset");
  });

  test("answers a client ping with pong and takes pongs silently", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const { client } = await extRaw(url);
    t.after(() => client.close());
    client.send({ command: "pong" });
    client.send({ command: "ping" });
    await client.next((f) => f.type === "pong", "pong");
    assert.equal(client.socket.readyState, client.socket.OPEN);
  });

  test("restores its session after the socket is cut: the 20 broadcasts sent meanwhile arrive once, in order", async (t) => {
    const events: string[] = [];
    const { port, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const proxy = await startTcpProxy(port, t);
    const client = extCable(t, `ws://127.0.0.1:${proxy.port}/cable`, 300);
    const channel = client.subscribeTo("TestChannel", { room: "h" });
    const inbox = positionedInbox(channel);
    await withDeadline(channel.ensureSubscribed(), "subscription");
    await cable.broadcast("test:h", { n: 0 });
    await inbox.count(1);

    const disconnected = nextCableEvent(client, "disconnect");
    const reconnected = nextCableEvent<{ restored: boolean }>(client, "connect");
    assert.equal(proxy.cut(), 1);
    await disconnected;
    for (let n = 1; n <= 20; n++) await cable.broadcast("test:h", { n });
    const history = nextInfo(channel, "history_received");
    assert.equal((await reconnected).restored, true);
    await history;
    await inbox.count(21);
    await cable.broadcast("test:h", { n: 21 });
    await inbox.count(22);
    assert.deepEqual(
      inbox.messages,
      Array.from({ length: 22 }, (_, n) => ({ n })),
    );
    assert.deepEqual(events, [`subscribed:${channel.identifier}`]);
  });

  test("restores a session named by the X-ANYCABLE-RESTORE-SID header, once", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const { client, welcome } = await extRaw(url);
    await client.subscribed(ROOM);
    // Dropped without a close handshake, as a network loses a socket (a close of its own is a goodbye).
    client.socket.terminate();
    await client.closed;
    await withDeadline(
      (async () => {
        while (cable.stats().connections > 0) await new Promise((r) => setTimeout(r, 5));
      })(),
      "the server to park the session",
    );
    const restore = (sid: unknown) => {
      const socket = new WebSocket(url, [EXT], { headers: { "X-ANYCABLE-RESTORE-SID": String(sid) } });
      t.after(() => socket.close());
      return withDeadline(
        new Promise<Record<string, unknown>>((resolve) =>
          socket.once("message", (data) => resolve(JSON.parse(String(data)))),
        ),
        "welcome",
      );
    };
    const restored = await restore(welcome.sid);
    assert.equal(restored.restored, true);
    assert.deepEqual(restored.restored_ids, [ROOM]);
    assert.notEqual(restored.sid, welcome.sid, "a new sid at every welcome");
    const again = await restore(welcome.sid);
    assert.equal(again.restored, undefined, "an old sid restores nothing twice");
    assert.deepEqual(events, [`subscribed:${ROOM}`]);
  });

  test("ends at once the session of a page that went away (1001): nobody will restore it", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const { client } = await extRaw(url);
    await client.subscribed(ROOM);
    // What a browser sends for a page closed, reloaded or navigated away from.
    client.socket.close(1001);
    await client.closed;
    // Within the default deadline of 5 s, where a parked session would wait for its 15 s TTL.
    await withDeadline(
      (async () => {
        while (events.length < 2) await new Promise((r) => setTimeout(r, 10));
      })(),
      "unsubscribed",
    );
    assert.deepEqual(events, [`subscribed:${ROOM}`, `unsubscribed:${ROOM}`]);
  });

  test("keeps the session of a client that closed its socket itself, as AnyCable's client does with a stale one", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const { client, welcome } = await extRaw(url);
    await client.subscribed(ROOM);
    client.socket.close();
    await client.closed;
    const back = await RawClient.open(`${url}?sid=${String(welcome.sid)}`, { protocols: [EXT] });
    t.after(() => back.close());
    const restored = await back.next((f) => f.type === "welcome", "welcome");
    assert.equal(restored.restored, true);
    assert.deepEqual(events, [`subscribed:${ROOM}`]);
  });

  test("refuses a restore after the session TTL: a fresh session, channels subscribed again", async (t) => {
    const events: string[] = [];
    const { port } = await startCable(t, { channels: [createTestChannel(events)], sessionTtlMs: 100 });
    const proxy = await startTcpProxy(port, t);
    const client = extCable(t, `ws://127.0.0.1:${proxy.port}/cable`, 600);
    const channel = client.subscribeTo("TestChannel", { room: "h" });
    await withDeadline(channel.ensureSubscribed(), "subscription");

    const reconnected = nextCableEvent<{ restored: boolean }>(client, "connect");
    proxy.cut();
    assert.equal((await reconnected).restored, false);
    await withDeadline(channel.ensureSubscribed(), "the subscription again");
    const id = channel.identifier;
    assert.deepEqual(events, [`subscribed:${id}`, `unsubscribed:${id}`, `subscribed:${id}`]);
  });
});

/** The test channel, rebuilt by `restored(streams)` when its session moves to another server. */
function restorable(events: string[]): ChannelClass {
  const channel = createTestChannel(events);
  Object.defineProperty(channel, "restorable", { value: true });
  return channel;
}

describe("the extended protocol across two cable servers on Redis", () => {
  const redis = sharedRedis();

  /** A cable server on the shared Redis: history in Redis Streams, sessions to restore in Redis. */
  async function node(t: TestContext, events: string[], options: Partial<CableServerOptions> = {}) {
    const url = await redis.url(t);
    const pubsub = new RedisPubSub({ url });
    const sessionStore = new RedisCableSessionStore({ url });
    t.after(() => Promise.all([pubsub.close(), sessionStore.close()]));
    return startCable(t, { channels: [restorable(events)], pubsub, sessionStore, ...options });
  }

  test("subscribes a channel that is not restorable again on the other server", async (t) => {
    const eventsA: string[] = [];
    const eventsB: string[] = [];
    const a = await node(t, eventsA, { channels: [createTestChannel(eventsA)] });
    const b = await node(t, eventsB, { channels: [createTestChannel(eventsB)] });
    let upstream = a.port;
    const proxy = await startTcpProxy(() => upstream, t);
    const client = extCable(t, `ws://127.0.0.1:${proxy.port}/cable`, 100);
    const channel = client.subscribeTo("TestChannel", { room: "y" });
    await withDeadline(channel.ensureSubscribed(), "subscription on A");
    const reconnected = nextCableEvent<{ restored: boolean }>(client, "connect");
    upstream = b.port;
    proxy.cut();
    assert.equal((await reconnected).restored, true);
    await withDeadline(channel.ensureSubscribed(), "the subscription on B");
    const id = channel.identifier;
    await withDeadline(
      (async () => {
        while (eventsB.length === 0 || eventsA.length < 2) await new Promise((r) => setTimeout(r, 10));
      })(),
      "subscribed on B and unsubscribed on A",
    );
    assert.deepEqual(eventsB, [`subscribed:${id}`]);
    assert.deepEqual(eventsA, [`subscribed:${id}`, `unsubscribed:${id}`]);
  });

  test("restores on the other server: the 20 broadcasts sent meanwhile arrive once, in order", async (t) => {
    const eventsA: string[] = [];
    const eventsB: string[] = [];
    const a = await node(t, eventsA);
    const b = await node(t, eventsB);
    let upstream = a.port;
    const proxy = await startTcpProxy(() => upstream, t);
    const client = extCable(t, `ws://127.0.0.1:${proxy.port}/cable`, 300);
    const channel = client.subscribeTo("TestChannel", { room: "x" });
    const inbox = positionedInbox(channel);
    await withDeadline(channel.ensureSubscribed(), "subscription on A");
    await a.cable.broadcast("test:x", { n: 0 });
    await inbox.count(1);

    const disconnected = nextCableEvent(client, "disconnect");
    const reconnected = nextCableEvent<{ restored: boolean }>(client, "connect");
    upstream = b.port;
    proxy.cut();
    await disconnected;
    // Broadcast from both servers while the client is away: one sequence of offsets.
    for (let n = 1; n <= 20; n++) await (n % 2 ? a : b).cable.broadcast("test:x", { n });
    const history = nextInfo(channel, "history_received");
    assert.equal((await reconnected).restored, true);
    await history;
    await inbox.count(21);
    await a.cable.broadcast("test:x", { n: 21 });
    await inbox.count(22);
    assert.deepEqual(
      inbox.messages,
      Array.from({ length: 22 }, (_, n) => ({ n })),
    );
    assert.deepEqual(eventsA, [`subscribed:${channel.identifier}`, `unsubscribed:${channel.identifier}`]);
    assert.deepEqual(eventsB, [], "B restored the subscription without running subscribed");
    assert.equal(b.cable.stats().subscriptions, 1);
    await withDeadline(
      (async () => {
        while (a.cable.stats().subscriptions !== 0) await new Promise((r) => setTimeout(r, 10));
      })(),
      "A to let its copy of the session go",
    );
  });

  test("rejects history for a wrong epoch and for an offset older than the history kept in Redis", async (t) => {
    const url = await redis.url(t);
    const pubsub = new RedisPubSub({ url, historyLimit: 5 });
    t.after(() => pubsub.close());
    const { url: cableUrl, cable } = await startCable(t, { channels: [createTestChannel()], pubsub });
    const { client } = await extRaw(cableUrl);
    t.after(() => client.close());
    const room = identifier({ channel: "TestChannel", room: "old" });
    await client.subscribed(room);
    // MAXLEN ~ trims whole nodes of 100 entries: 300 broadcasts leave the first ones out for sure.
    for (let n = 1; n <= 300; n++) await cable.broadcast("test:old", { n });
    const last = await client.next((f) => (f.message as { n?: number })?.n === 300, "the last broadcast");
    const ask = (epoch: unknown, offset: number) =>
      client.send({
        command: "history",
        identifier: room,
        history: { streams: { "test:old": { epoch, offset } } },
      });

    ask("not-the-epoch", 298);
    await client.next((f) => f.type === "reject_history", "reject_history for a wrong epoch");
    ask(last.epoch, 1);
    await client.next((f) => f.type === "reject_history", "reject_history for a too old offset");
    ask(last.epoch, 298);
    await client.next((f) => f.type === "confirm_history", "confirm_history");
    assert.deepEqual(
      client.all((f) => (f.offset as number) > 298).map((f) => (f.message as { n: number }).n),
      [299, 300, 299, 300],
    );
  });
});
