import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createTestChannel,
  identifier,
  RawClient,
  type RecordingLogger,
  recordingLogger,
  startCable,
  withDeadline,
} from "../support/cable.js";
import { trapUncaught } from "../support/uncaught.js";

const ROOM1 = identifier({ channel: "TestChannel", room: "1" });
const isData = (f: Record<string, unknown>) => f.type === undefined && "message" in f;
const messageOf = (f: Record<string, unknown>) => (f.message ?? {}) as Record<string, unknown>;

let echoes = 0;

/** Proves the socket still works, and that the server has handled everything sent before. */
async function roundTrip(client: RawClient): Promise<void> {
  const n = ++echoes;
  client.perform(ROOM1, { action: "echo", n });
  await client.next((f) => isData(f) && (messageOf(f).data as { n?: number })?.n === n, `echo ${n}`);
}

async function setup(t: Parameters<typeof startCable>[0], options: Parameters<typeof startCable>[1] = {}) {
  const logger = recordingLogger();
  const running = await startCable(t, { channels: [createTestChannel()], logger, ...options });
  const client = await RawClient.connect(running.url);
  await client.subscribed(ROOM1);
  return { ...running, logger, client };
}

/** Sends `frame`, then a round trip, and returns the log lines the frame caused. */
async function linesFor(logger: RecordingLogger, client: RawClient, send: () => void) {
  const before = logger.lines.length;
  send();
  await roundTrip(client);
  return logger.lines.slice(before);
}

describe("bad frames", () => {
  const cases: Array<[string, string]> = [
    ["invalid JSON", "{not json"],
    ["a JSON array", "[1,2]"],
    ["an unknown command", JSON.stringify({ command: "explode", identifier: ROOM1 })],
    [
      "a subscribe whose identifier is not a string",
      JSON.stringify({ command: "subscribe", identifier: { channel: "X" } }),
    ],
    [
      "a message without string data",
      JSON.stringify({ command: "message", identifier: ROOM1, data: { action: "echo" } }),
    ],
  ];
  for (const [name, frame] of cases) {
    test(`drops ${name} with one warning and keeps the socket`, async (t) => {
      const { logger, client } = await setup(t);
      const lines = await linesFor(logger, client, () => client.send(frame));
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]!.level, "warn");
      assert.equal(lines[0]!.message, "invalid frame dropped");
      assert.equal(client.all((f) => f.type === "disconnect").length, 0);
    });
  }

  test("drops a binary frame with one warning", async (t) => {
    const { logger, client } = await setup(t);
    const lines = await linesFor(logger, client, () =>
      client.socket.send(Buffer.from([1, 2, 3]), { binary: true }),
    );
    assert.deepEqual(
      lines.map((l) => l.message),
      ["binary frame dropped"],
    );
  });

  test("answers message data that is not JSON with invalid_message on that identifier", async (t) => {
    const { logger, client } = await setup(t);
    const lines = await linesFor(logger, client, () =>
      client.send({ command: "message", identifier: ROOM1, data: "{oops" }),
    );
    const error = await client.next((f) => messageOf(f).type === "error", "error");
    assert.equal(error.identifier, ROOM1);
    assert.equal(messageOf(error).reason, "invalid_message");
    assert.equal(lines.length, 1);
  });

  test("logs a message for an identifier that is not subscribed and sends nothing", async (t) => {
    const { logger, client } = await setup(t);
    const stranger = identifier({ channel: "TestChannel", room: "9" });
    const lines = await linesFor(logger, client, () => client.perform(stranger, { action: "echo" }));
    assert.equal(lines.length, 1);
    assert.equal(client.all((f) => f.identifier === stranger).length, 0);
  });

  test("answers an action that throws with action_failed and logs one error", async (t) => {
    const { logger, client } = await setup(t);
    const lines = await linesFor(logger, client, () => client.perform(ROOM1, { action: "boom" }));
    const error = await client.next((f) => messageOf(f).type === "error", "error");
    assert.equal(messageOf(error).reason, "action_failed");
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [["error", "action failed"]],
    );
  });
});

describe("bad subscriptions", () => {
  const cases: Array<[string, string]> = [
    ["an unknown channel", identifier({ channel: "ChatChanel" })],
    ["an identifier that is not JSON", "{channel:TestChannel"],
    ["an identifier that is a JSON array", '["TestChannel"]'],
    ["an identifier without channel", '{"room":"1"}'],
    ["an identifier naming a prototype property", '{"channel":"__proto__"}'],
  ];
  for (const [name, id] of cases) {
    test(`rejects ${name}, echoing the raw identifier, with one warning`, async (t) => {
      const { logger, client } = await setup(t);
      const lines = await linesFor(logger, client, () => client.subscribe(id));
      const reply = await client.next((f) => f.identifier === id, "reject");
      assert.deepEqual(reply, { identifier: id, type: "reject_subscription" });
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]!.message, "subscription rejected");
    });
  }

  test("names the unknown channel in the log", async (t) => {
    const { logger, client } = await setup(t);
    const [line] = await linesFor(logger, client, () =>
      client.subscribe(identifier({ channel: "ChatChanel" })),
    );
    assert.match(String(line!.details?.error), /Unknown channel "ChatChanel" in subscribe identifier/);
  });

  test("rejects subscriptions beyond maxSubscriptions after a too_many_subscriptions error", async (t) => {
    const { client } = await setup(t, { maxSubscriptions: 2 });
    await client.subscribed(identifier({ channel: "TestChannel", room: "2" }));
    const third = identifier({ channel: "TestChannel", room: "3" });
    client.subscribe(third);
    const error = await client.next((f) => f.identifier === third, "the error");
    assert.deepEqual(messageOf(error), {
      type: "error",
      reason: "too_many_subscriptions",
      message: "A socket may hold 2 subscriptions",
    });
    assert.equal((await client.next((f) => f.identifier === third, "reply")).type, "reject_subscription");
    await roundTrip(client);
  });

  test("holds 32 subscriptions on a socket by default and refuses the 33rd with too_many_subscriptions", async (t) => {
    const { client } = await setup(t); // ROOM1 is the first
    for (let room = 2; room <= 32; room++) {
      await client.subscribed(identifier({ channel: "TestChannel", room: String(room) }));
    }
    const extra = identifier({ channel: "TestChannel", room: "33" });
    client.subscribe(extra);
    const error = await client.next((f) => f.identifier === extra, "the error");
    assert.deepEqual(messageOf(error), {
      type: "error",
      reason: "too_many_subscriptions",
      message: "A socket may hold 32 subscriptions",
    });
    assert.equal((await client.next((f) => f.identifier === extra, "reply")).type, "reject_subscription");
    await roundTrip(client);
  });
});

describe("limits", () => {
  test("accepts a frame at the limit", async (t) => {
    const { client } = await setup(t);
    const head = JSON.stringify({
      command: "message",
      identifier: ROOM1,
      data: JSON.stringify({ action: "echo", n: -1, pad: "" }),
    });
    const pad = "x".repeat(64 * 1024 - head.length);
    client.perform(ROOM1, { action: "echo", n: -1, pad });
    const echo = await client.next((f) => isData(f), "echo of the big frame");
    assert.equal((messageOf(echo).data as { pad: string }).pad.length, pad.length);
  });

  test("disconnects a frame above maxMessageBytes with message_too_big, leaving other sockets alone", async (t) => {
    const { url, logger, client, cable } = await setup(t);
    const bystander = await RawClient.connect(url);
    await bystander.subscribed(ROOM1);
    const before = logger.lines.length;
    client.perform(ROOM1, { action: "echo", pad: "x".repeat(64 * 1024) });
    const disconnect = await client.next((f) => f.type === "disconnect", "disconnect");
    assert.deepEqual(disconnect, { type: "disconnect", reason: "message_too_big", reconnect: false });
    assert.equal((await withDeadline(client.closed, "close")).code, 1000);
    assert.deepEqual(
      logger.lines.slice(before).map((l) => l.message),
      ["oversize frame, disconnecting"],
    );
    await cable.broadcast("test:1", "still delivered");
    await bystander.next((f) => f.message === "still delivered", "broadcast to the bystander");
  });
});

describe("hard limits", () => {
  test("closes a socket that sends a frame above the 1 MiB ceiling with 1009, without a throw", async (t) => {
    const { client, url, cable } = await setup(t);
    client.perform(ROOM1, { action: "echo", pad: "x".repeat(2 * 1024 * 1024) });
    assert.equal((await withDeadline(client.closed, "close")).code, 1009);
    const other = await RawClient.connect(url);
    await other.subscribed(ROOM1);
    await cable.broadcast("test:1", "alive");
    await other.next((f) => f.message === "alive", "broadcast after the oversize socket died");
  });

  test("disconnects a client that stops reading with too_slow and reconnect true", async (t) => {
    const { client, cable, logger } = await setup(t, { maxBufferedBytes: 64 * 1024 });
    const raw = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const chunk = "y".repeat(64 * 1024);
    // The kernel absorbs a few MiB on loopback before ws has to buffer; 64 MiB is far beyond that.
    for (let i = 0; i < 1024 && !logger.lines.some((l) => l.message === "slow client disconnected"); i++) {
      await cable.broadcast("test:1", chunk);
    }
    await logger.waitFor("slow client disconnected");
    raw.resume();
    const disconnect = await client.next((f) => f.type === "disconnect", "disconnect", 20_000);
    assert.deepEqual(disconnect, { type: "disconnect", reason: "too_slow", reconnect: true });
  });
});

describe("origin", () => {
  test("refuses a foreign origin with HTTP 403 at the upgrade", async (t) => {
    const logger = recordingLogger();
    const { url } = await startCable(t, { logger });
    await assert.rejects(RawClient.open(url, { origin: "http://evil.example" }), /403/);
    assert.deepEqual(
      logger.lines.map((l) => l.message),
      ["origin refused"],
    );
  });

  test("accepts the page's own origin", async (t) => {
    const { url, port } = await startCable(t);
    const client = await RawClient.open(url, { origin: `http://127.0.0.1:${port}` });
    await client.next((f) => f.type === "welcome", "welcome");
  });

  test("accepts a listed origin", async (t) => {
    const { url } = await startCable(t, { allowedOrigins: ["https://app.example"] });
    const client = await RawClient.open(url, { origin: "https://app.example" });
    await client.next((f) => f.type === "welcome", "welcome");
  });

  test("refuses, with 403, an origin the list does not hold, and the page's own host once a list is set", async (t) => {
    const { url, port, cable } = await startCable(t, { allowedOrigins: ["https://app.example"] });
    for (const origin of ["https://evil.example", "http://app.example", `http://127.0.0.1:${port}`]) {
      await assert.rejects(RawClient.open(url, { origin }), /403/, origin);
    }
    assert.equal(cable.stats().connections, 0);
  });

  test("lets a client without Origin (not a browser) through the same-origin check", async (t) => {
    const { url } = await startCable(t);
    const client = await RawClient.open(url);
    await client.next((f) => f.type === "welcome", "welcome");
  });
});

describe("garbage barrage", () => {
  test("throws nothing uncaught while a well-behaved client keeps receiving broadcasts", async (t) => {
    const failures = trapUncaught(t);
    const { url, cable, client } = await setup(t, { maxMessageBytes: 4096 });
    const garbage: Array<string | Buffer> = [
      "",
      "null",
      "1",
      '"subscribe"',
      "{}",
      "{not json",
      Buffer.from([0xff, 0x00, 0xfe]),
      JSON.stringify({ command: "subscribe" }),
      JSON.stringify({ command: "subscribe", identifier: "null" }),
      JSON.stringify({ command: "subscribe", identifier: '{"channel":"constructor"}' }),
      JSON.stringify({ command: "subscribe", identifier: '{"channel":"TestChannel","reject":true}' }),
      JSON.stringify({ command: "unsubscribe", identifier: "never" }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: "null" }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: "[]" }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: '{"action":"__proto__"}' }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: '{"action":"constructor"}' }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: '{"action":7}' }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: '{"action":"boom"}' }),
      JSON.stringify({ command: "message", identifier: ROOM1, data: '{"action":"stop"}' }),
    ];
    const watcher = await RawClient.connect(url);
    const watched = identifier({ channel: "TestChannel", room: "watch" });
    await watcher.subscribed(watched);
    const attackers = await Promise.all([1, 2, 3].map(() => RawClient.connect(url)));
    for (const attacker of attackers) await attacker.subscribed(ROOM1);
    for (let round = 0; round < 20; round++) {
      for (const attacker of [...attackers, client]) {
        for (const frame of garbage) attacker.socket.send(frame, { binary: Buffer.isBuffer(frame) });
      }
      await cable.broadcast("test:watch", round);
      await watcher.next((f) => f.message === round, `broadcast ${round}`);
    }
    for (const attacker of [...attackers, client]) attacker.send("x".repeat(5000));
    await Promise.all([...attackers, client].map((c) => withDeadline(c.closed, "attacker socket closed")));
    assert.deepEqual(
      watcher.all((f) => typeof f.message === "number" && isData(f)).map((f) => f.message),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual(failures, []);
  });
});
