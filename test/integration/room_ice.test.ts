import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import type { Consumer } from "@rails/actioncable";
import {
  createRoomSignalingChannel,
  RoomSignalingChannel,
} from "../../src/channels/room_signaling_channel.js";
import { issueRoomClient } from "../../src/identity/room_token.js";
import { startCable } from "../support/cable.js";
import { Inbox } from "../support/inbox.js";
import { railsConsumer } from "../support/official_clients.js";

// `ice_servers` on RoomSignalingChannel: a room page refreshes its TURN credentials (coturn's
// use-auth-secret scheme, minted for its own client id) before the ones it was rendered with expire.

const SECRET = "room-turn-secret";
const ice = { turnUrls: ["turn:10.233.0.1:3478?transport=udp"], turnSecret: SECRET, turnTtlSeconds: 600 };

async function signalingOf(t: TestContext, channel: typeof RoomSignalingChannel) {
  const { url, cable } = await startCable(t, { channels: [channel] });
  const client = issueRoomClient(cable.signer, "r1");
  const consumer: Consumer = railsConsumer(url);
  t.after(() => consumer.disconnect());
  const inbox = new Inbox();
  const subscription = consumer.subscriptions.create(
    { channel: "RoomSignalingChannel", token: client.token },
    {
      connected: () => inbox.settle("connected"),
      rejected: () => inbox.settle("rejected"),
      received: (message: unknown) => inbox.push(message),
    },
  );
  await inbox.until(() => (inbox.connected ? true : undefined), "the confirmation");
  return { client, inbox, subscription };
}

describe("RoomSignalingChannel ice_servers", () => {
  test("answers the caller alone with credentials minted for its client id", async (t) => {
    const { client, inbox, subscription } = await signalingOf(t, createRoomSignalingChannel({ ice }));
    subscription.perform("ice_servers", {});
    const message = (await inbox.until(
      () => inbox.messages.find((m) => (m as { type?: string }).type === "ice-servers"),
      "ice-servers",
    )) as { iceServers: RTCIceServer[]; expiresAt: number; iceTransportPolicy: string };
    const [turn] = message.iceServers;
    const [expiry, who] = String(turn!.username).split(":");
    assert.equal(who, client.clientId);
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 600)) < 5, `expiry ${expiry} about 600 s away`);
    assert.equal(message.expiresAt, Number(expiry) * 1000);
    assert.equal(
      turn!.credential,
      createHmac("sha1", SECRET).update(String(turn!.username)).digest("base64"),
    );
    assert.ok(!JSON.stringify(message).includes(SECRET), "the secret stays on the server");
  });

  test("refuses data with it, and sends nothing from a channel without TURN", async (t) => {
    const minting = await signalingOf(t, createRoomSignalingChannel({ ice }));
    minting.subscription.perform("ice_servers", { to: "someone" });
    const error = (await minting.inbox.until(
      () => minting.inbox.messages.find((m) => (m as { type?: string }).type === "error"),
      "the error",
    )) as { reason: string };
    assert.equal(error.reason, "invalid_message");
    const plain = await signalingOf(t, RoomSignalingChannel);
    plain.subscription.perform("ice_servers", {});
    // A second action answers after the first was handled (one socket's commands run in order):
    // its error proves ice_servers was handled and answered with nothing.
    plain.subscription.perform("signal", {});
    await plain.inbox.until(
      () => plain.inbox.messages.find((m) => (m as { type?: string }).type === "error"),
      "the error of the later signal",
    );
    assert.deepEqual(
      plain.inbox.messages.map((m) => (m as { type?: string }).type),
      ["error"],
    );
  });
});
