import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { TurboStreamsChannel } from "../../src/channels/turbo_streams_channel.js";
import { html } from "../../src/html/html.js";
import { turboStreams } from "../../src/html/turbo_stream.js";
import { identifier, RawClient, recordingLogger, startCable, TEST_SECRET } from "../support/cable.js";

const turboId = (signed: unknown) =>
  identifier({ channel: "Turbo::StreamsChannel", signed_stream_name: signed });

async function setup(t: Parameters<typeof startCable>[0]) {
  const logger = recordingLogger();
  const running = await startCable(t, { channels: [TurboStreamsChannel], logger });
  const client = await RawClient.connect(running.url);
  return { ...running, logger, client };
}

describe("Turbo::StreamsChannel", () => {
  test("streams HTML strings to a subscription with a valid signed stream name", async (t) => {
    const { cable, client } = await setup(t);
    const id = turboId(cable.signer.signStreamName("room:42"));
    await client.subscribed(id);
    const stream = turboStreams.append("messages", html`<p id="m1">${"a < b"}</p>`);
    await cable.broadcast("room:42", stream);
    const frame = await client.next((f) => f.identifier === id && "message" in f, "the turbo stream");
    assert.deepEqual(frame, { identifier: id, message: stream });
    assert.equal(typeof frame.message, "string");
  });

  const bad: Array<[string, (good: string) => unknown]> = [
    ["a tampered name", (good) => `${Buffer.from('"room:43"').toString("base64")}--${good.split("--")[1]}`],
    ["a tampered digest", (good) => `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`],
    [
      "a name signed with another secret",
      () => new Signer("another-secret-0123456789").signStreamName("room:42"),
    ],
    ["a signed token of another kind", () => new Signer(TEST_SECRET).sign("room:42", { purpose: "session" })],
    ["no signed name", () => undefined],
    ["a non-string signed name", () => 42],
  ];
  for (const [name, make] of bad) {
    test(`rejects ${name} with one warning`, async (t) => {
      const { cable, client, logger } = await setup(t);
      const id = turboId(make(cable.signer.signStreamName("room:42")));
      client.subscribe(id);
      assert.deepEqual(await client.next((f) => f.identifier === id, "reply"), {
        identifier: id,
        type: "reject_subscription",
      });
      assert.deepEqual(
        logger.lines.map((l) => l.message),
        ["turbo stream rejected: bad signature"],
      );
      await cable.broadcast("room:42", "<p>leak</p>");
      await cable.broadcast("room:43", "<p>leak</p>");
      const good = turboId(cable.signer.signStreamName("room:42"));
      await client.subscribed(good);
      await cable.broadcast("room:42", "<p>mine</p>");
      await client.next((f) => f.message === "<p>mine</p>", "the broadcast after a good subscribe");
      assert.equal(client.all((f) => f.message === "<p>leak</p>").length, 0);
    });
  }

  test("refuses every action", async (t) => {
    const { cable, client } = await setup(t);
    const id = turboId(cable.signer.signStreamName("room:1"));
    await client.subscribed(id);
    client.perform(id, { action: "receive", html: "<p>x</p>" });
    const reply = await client.next((f) => f.identifier === id && "message" in f, "error");
    assert.equal((reply.message as { reason: string }).reason, "unknown_action");
  });
});
