import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createTestChannel,
  deferred,
  identifier,
  RawClient,
  recordingLogger,
  startCable,
  withDeadline,
} from "../support/cable.js";

/** A data frame: `{identifier, message}` with no `type` (pings carry a `message` too). */
const isData = (f: Record<string, unknown>) => f.type === undefined && "message" in f;

const ROOM1 = identifier({ channel: "TestChannel", room: "1" });

describe("cable handshake", () => {
  test("selects actioncable-v1-json and welcomes the socket", async (t) => {
    const { url } = await startCable(t);
    const client = await RawClient.open(url);
    assert.equal(client.socket.protocol, "actioncable-v1-json");
    assert.deepEqual(await client.next((f) => f.type === "welcome", "welcome"), { type: "welcome" });
  });

  test("selects the actioncable-unsupported sentinel when it is the only known protocol offered", async (t) => {
    const { url } = await startCable(t);
    const client = await RawClient.open(url, {
      protocols: ["actioncable-v2-json", "actioncable-unsupported"],
    });
    assert.equal(client.socket.protocol, "actioncable-unsupported");
  });

  test("answers an upgrade on another path with 404", async (t) => {
    const { port } = await startCable(t);
    await assert.rejects(RawClient.open(`ws://127.0.0.1:${port}/elsewhere`), /404/);
  });

  test("refuses an upgrade that offers no protocol it knows", async (t) => {
    const { url } = await startCable(t);
    await assert.rejects(RawClient.open(url, { protocols: ["mqtt"] }), /no subprotocol/i);
  });

  test("sends disconnect unauthorized without reconnect and no welcome when authenticate refuses", async (t) => {
    const { url } = await startCable(t, {
      authenticate: (request) => (request.url?.includes("ok") ? { user: 1 } : null),
    });
    const refused = new RawClient(url);
    const { code } = await withDeadline(refused.closed, "the refused socket to close");
    assert.deepEqual(refused.frames, [{ type: "disconnect", reason: "unauthorized", reconnect: false }]);
    assert.equal(code, 1000);
    const accepted = await RawClient.connect(`${url}?ok`);
    assert.deepEqual(accepted.frames[0], { type: "welcome" });
  });

  test("processes commands sent before the welcome, after it", async (t) => {
    const logger = recordingLogger();
    const { url } = await startCable(t, {
      channels: [createTestChannel()],
      logger,
      // Authentication finishes only once the server has read a frame sent after the subscribe.
      authenticate: async () => {
        await logger.waitFor("invalid frame dropped");
        return {};
      },
    });
    const client = await RawClient.open(url);
    client.subscribe(ROOM1);
    client.send("not json");
    await client.next((f) => f.type === "confirm_subscription", "confirm");
    assert.deepEqual(
      client.all(() => true).map((f) => f.type),
      ["welcome", "confirm_subscription"],
    );
  });
});

describe("liveness", () => {
  test("terminates a socket that stops answering native pings, keeping one that answers", async (t) => {
    const logger = recordingLogger();
    const { url } = await startCable(t, { livenessIntervalMs: 250, logger });
    const healthy = await RawClient.connect(url);
    const dead = await RawClient.open(url, { autoPong: false });
    const { code } = await withDeadline(dead.closed, "the dead socket to be terminated");
    assert.equal(code, 1006);
    await logger.waitFor("dead socket terminated");
    assert.equal(
      logger.lines.filter((l) => l.message === "dead socket terminated").length,
      1,
      "only the silent socket",
    );
    assert.equal(healthy.socket.readyState, healthy.socket.OPEN);
  });
});

describe("authentication", () => {
  test("treats an authenticate that throws as unauthorized, logging it", async (t) => {
    const logger = recordingLogger();
    const { url } = await startCable(t, {
      logger,
      authenticate: async () => {
        throw new Error("database down");
      },
    });
    const client = new RawClient(url);
    await withDeadline(client.closed, "the socket to close");
    assert.deepEqual(client.frames, [{ type: "disconnect", reason: "unauthorized", reconnect: false }]);
    const line = await logger.waitFor("authenticate failed");
    assert.match(String(line.details?.error), /database down/);
  });

  test("hands the identity to channels through the connection", async (t) => {
    const seen: unknown[] = [];
    const Base = createTestChannel();
    class WhoAmI extends Base {
      override async subscribed(): Promise<void> {
        seen.push(this.connection.identity);
        await super.subscribed();
      }
    }
    const { url } = await startCable(t, { channels: [WhoAmI], authenticate: () => ({ user: "ann" }) });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    assert.deepEqual(seen, [{ user: "ann" }]);
  });
});

describe("ping", () => {
  test("pings by default every 3000 ms, as Rails", async (t) => {
    t.mock.timers.enable({ apis: ["setInterval"] });
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    const echoed = async (n: number) => {
      client.perform(ROOM1, { action: "echo", n });
      await client.next(
        (f) => isData(f) && (f.message as { data?: { n?: number } }).data?.n === n,
        `echo ${n}`,
      );
    };
    t.mock.timers.tick(2999);
    await echoed(1); // a ping sent during the tick would have arrived before this echo
    assert.equal(client.all((f) => f.type === "ping").length, 0, "no ping before 3000 ms");
    t.mock.timers.tick(1);
    await client.next((f) => f.type === "ping", "the ping at 3000 ms");
    t.mock.timers.tick(2999);
    await echoed(2);
    assert.equal(client.all((f) => f.type === "ping").length, 1, "no second ping before 6000 ms");
    t.mock.timers.tick(1);
    await client.next((f) => f.type === "ping", "the ping at 6000 ms");
  });

  test("pings every welcomed socket at the configured interval with unix seconds", async (t) => {
    const { url } = await startCable(t, { pingIntervalMs: 40 });
    const client = await RawClient.connect(url);
    const arrivals: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ping = await client.next((f) => f.type === "ping", `ping ${i + 1}`, 2000);
      arrivals.push(performance.now());
      assert.equal(typeof ping.message, "number");
      assert.ok(Number.isInteger(ping.message));
      assert.ok(Math.abs((ping.message as number) - Date.now() / 1000) < 5, "ping carries unix seconds");
    }
    const elapsed = arrivals[3]! - arrivals[0]!;
    assert.ok(elapsed >= 3 * 40 * 0.75, `three intervals took ${elapsed} ms, expected about 120`);
  });

  test("pings no socket before its welcome", async (t) => {
    let releaseAuth!: () => void;
    const authGate = new Promise<void>((resolve) => {
      releaseAuth = resolve;
    });
    let first = true;
    const { url } = await startCable(t, {
      pingIntervalMs: 20,
      authenticate: async () => {
        if (first) {
          first = false;
          return {};
        }
        await authGate;
        return {};
      },
    });
    const early = await RawClient.connect(url);
    const waiting = await RawClient.open(url);
    // The timer pings every socket in one pass: two pings seen by `early` are two chances missed.
    await early.next((f) => f.type === "ping", "first ping");
    await early.next((f) => f.type === "ping", "second ping");
    releaseAuth();
    await waiting.next((f) => f.type === "welcome", "welcome");
    assert.deepEqual(waiting.frames[0], { type: "welcome" }, "nothing came before the welcome");
  });
});

describe("subscriptions", () => {
  test("confirms a subscribe, echoing the identifier verbatim", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const client = await RawClient.connect(url);
    const spaced = '{ "room": "1",  "channel": "TestChannel" }';
    client.subscribe(spaced);
    const confirm = await client.next((f) => f.type === "confirm_subscription", "confirm");
    assert.deepEqual(confirm, { identifier: spaced, type: "confirm_subscription" });
  });

  test("treats identifiers that differ only in key order as two subscriptions", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = await RawClient.connect(url);
    const a = '{"channel":"TestChannel","room":"1"}';
    const b = '{"room":"1","channel":"TestChannel"}';
    await client.subscribed(a);
    await client.subscribed(b);
    assert.deepEqual(events, [`subscribed:${a}`, `subscribed:${b}`]);
    await cable.broadcast("test:1", { n: 1 });
    const first = await client.next((f) => isData(f), "first data frame");
    const second = await client.next((f) => isData(f), "second data frame");
    assert.deepEqual(new Set([first.identifier, second.identifier]), new Set([a, b]));
  });

  test("re-confirms a duplicate subscribe without running subscribed twice or delivering twice", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    await client.subscribed(ROOM1);
    assert.deepEqual(events, [`subscribed:${ROOM1}`]);
    const marker = identifier({ channel: "TestChannel", room: "marker" });
    await client.subscribed(marker);
    await cable.broadcast("test:1", "once");
    await cable.broadcast("test:marker", "after");
    await client.next((f) => f.identifier === marker && f.message === "after", "marker");
    assert.equal(client.all((f) => f.message === "once").length, 1);
    assert.equal(cable.stats().subscriptions, 2);
  });

  test("rejects when the channel calls reject, and runs unsubscribed", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = await RawClient.connect(url);
    const id = identifier({ channel: "TestChannel", reject: true });
    client.subscribe(id);
    const reply = await client.next((f) => f.identifier === id, "reply");
    assert.deepEqual(reply, { identifier: id, type: "reject_subscription" });
    assert.deepEqual(events, [`subscribed:${id}`, `unsubscribed:${id}`]);
  });

  test("sends what subscribed transmitted after the confirm", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const client = await RawClient.connect(url);
    const id = identifier({ channel: "TestChannel", hello: true });
    client.subscribe(id);
    await client.next((f) => f.identifier === id && isData(f), "hello");
    const mine = client.all((f) => f.identifier === id);
    assert.deepEqual(mine, [
      { identifier: id, type: "confirm_subscription" },
      { identifier: id, message: { type: "hello" } },
    ]);
  });

  test("runs unsubscribed and stops streaming on unsubscribe, sending no reply", async (t) => {
    const events: string[] = [];
    const { url, cable } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = await RawClient.connect(url);
    const other = identifier({ channel: "TestChannel", room: "2" });
    await client.subscribed(ROOM1);
    await client.subscribed(other);
    client.send({ command: "unsubscribe", identifier: ROOM1 });
    client.perform(other, { action: "echo", n: 1 });
    await client.next((f) => f.identifier === other && isData(f), "echo after unsubscribe");
    assert.deepEqual(events.at(-1), `unsubscribed:${ROOM1}`);
    await cable.broadcast("test:1", "gone");
    await cable.broadcast("test:2", "still here");
    await client.next((f) => f.message === "still here", "broadcast on the other stream");
    assert.equal(client.all((f) => f.message === "gone").length, 0);
    assert.equal(client.all((f) => f.identifier === ROOM1).length, 1, "only the confirm");
    assert.equal(cable.stats().subscriptions, 1);
  });

  test("runs unsubscribed for every subscription when the socket closes", async (t) => {
    const gone = deferred<void>();
    const seen: string[] = [];
    const Base = createTestChannel(seen);
    class Tracked extends Base {
      override unsubscribed(): void {
        super.unsubscribed();
        if (seen.filter((e) => e.startsWith("unsubscribed:")).length === 2) gone.resolve();
      }
    }
    const { url, cable } = await startCable(t, { channels: [Tracked] });
    const client = await RawClient.connect(url);
    const other = identifier({ channel: "TestChannel", room: "2" });
    await client.subscribed(ROOM1);
    await client.subscribed(other);
    assert.deepEqual(cable.stats(), { connections: 1, subscriptions: 2 });
    client.close();
    await withDeadline(gone.promise, "unsubscribed twice");
    assert.deepEqual(
      seen.filter((e) => e.startsWith("unsubscribed:")).sort(),
      [`unsubscribed:${other}`, `unsubscribed:${ROOM1}`].sort(),
    );
    assert.equal(cable.stats().subscriptions, 0);
  });

  test("stopAllStreams ends delivery while the subscription stays", async (t) => {
    const { url, cable } = await startCable(t, { channels: [createTestChannel()] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    client.perform(ROOM1, { action: "stop" });
    await client.next((f) => (f.message as { type?: string })?.type === "stopped", "stopped");
    await cable.broadcast("test:1", "nobody listens");
    client.perform(ROOM1, { action: "echo" });
    await client.next((f) => (f.message as { type?: string })?.type === "echo", "echo");
    assert.equal(client.all((f) => f.message === "nobody listens").length, 0);
  });
});

describe("actions and broadcasts", () => {
  test("performs a whitelisted action with the decoded data, action included", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    client.perform(ROOM1, { action: "echo", text: "hi", n: 2 });
    const echo = await client.next((f) => isData(f), "echo");
    assert.deepEqual(echo, {
      identifier: ROOM1,
      message: { type: "echo", data: { action: "echo", text: "hi", n: 2 } },
    });
  });

  test("refuses an action that is not whitelisted, even when the method exists", async (t) => {
    const events: string[] = [];
    const { url } = await startCable(t, { channels: [createTestChannel(events)] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    client.perform(ROOM1, { action: "secret" });
    const error = await client.next((f) => isData(f), "error");
    assert.deepEqual(error.message, {
      type: "error",
      reason: "unknown_action",
      message: 'Unknown action "secret" for "TestChannel"',
    });
    assert.ok(!events.includes("secret called"));
  });

  test("turns a thrown P2pError into an error message with its reason", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const client = await RawClient.connect(url);
    await client.subscribed(ROOM1);
    client.perform(ROOM1, { action: "refuse" });
    const error = await client.next((f) => isData(f), "error");
    assert.deepEqual(error.message, { type: "error", reason: "rate_limited", message: "slow down" });
  });

  test("delivers each broadcast once to every subscribed connection, in publish order", async (t) => {
    const { url, cable } = await startCable(t, { channels: [createTestChannel()] });
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(url)));
    await Promise.all(clients.map((c) => c.subscribed(ROOM1)));
    for (let n = 1; n <= 50; n++) await cable.broadcast("test:1", n);
    for (const client of clients) {
      await client.next((f) => f.message === 50, "the last broadcast");
      const received = client.all((f) => typeof f.message === "number").map((f) => f.message);
      assert.deepEqual(
        received,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    }
  });

  test("broadcasts from an action reach the other subscribers of the stream", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const [ann, bob] = await Promise.all([RawClient.connect(url), RawClient.connect(url)]);
    await ann!.subscribed(ROOM1);
    await bob!.subscribed(ROOM1);
    ann!.perform(ROOM1, { action: "speak", text: "hello bob" });
    const got = await bob!.next((f) => isData(f), "bob's broadcast");
    assert.deepEqual(got, { identifier: ROOM1, message: { text: "hello bob" } });
  });
});

describe("close", () => {
  test("sends server_restart with reconnect true to every client and resolves once all are closed", async (t) => {
    const { url, cable } = await startCable(t, { channels: [createTestChannel()] });
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(url)));
    await clients[0]!.subscribed(ROOM1);
    await withDeadline(cable.close(), "close()");
    assert.deepEqual(cable.stats(), { connections: 0, subscriptions: 0 });
    for (const client of clients) {
      assert.deepEqual(client.frames.at(-1), {
        type: "disconnect",
        reason: "server_restart",
        reconnect: true,
      });
      assert.equal((await client.closed).code, 1000);
    }
  });
});
