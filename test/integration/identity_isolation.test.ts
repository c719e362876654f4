import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { relayDefaults } from "../../src/channels/relay_budget.js";
import { TURBO_STREAMS_CHANNEL } from "../../src/html/tags.js";
import { issueRoomClient, roomStreams } from "../../src/identity/room_token.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import { identifier, TEST_SECRET } from "../support/cable.js";
import { type Frame, startAllChannels, tokenIdentifier } from "../support/raw_session.js";

const offer = { type: "offer", sdp: "v=0\r\n" };
const isSignal = (m: Frame) => m.type === "signal";
const isError = (m: Frame) => m.type === "error";
const withoutJoinId = ({ joinId: _, ...rest }: Frame) => rest;

/** A token whose signed value was swapped for `value`, keeping the original digest. */
function swapped(token: string, value: unknown, purpose: string): string {
  const digest = token.split("--")[1]!;
  const data = Buffer.from(JSON.stringify({ v: value, p: purpose, e: 4e9 })).toString("base64");
  return `${data}--${digest}`;
}

/** The signed name with its last digest character changed. */
const flipLast = (signed: string) => signed.slice(0, -1) + (signed.endsWith("0") ? "1" : "0");

describe("session tokens", () => {
  test("rejects a token whose signed session id was swapped for another, and s2 sees nothing", async (t) => {
    const { open, member, signer } = await startAllChannels(t);
    const dan = await member("s2", "dan");
    const token = swapped(
      signSessionToken(signer, { sessionId: "s1", peerId: "eve" }),
      { sessionId: "s2", peerId: "eve" },
      "session",
    );
    const { outcome } = await open(tokenIdentifier("SignalingChannel", token));
    assert.equal(outcome, "invalid_token");
    const marker = await member("s2", "amy");
    await dan.next((m) => m.type === "ready" && m.peer === "amy", "amy's ready at dan");
    assert.deepEqual(
      dan.data((m) => m.type === "ready").map((m) => m.peer),
      ["dan", "amy"],
    );
    assert.equal(marker.data(isError).length, 0);
  });

  test("rejects an expired token with expired_token", async (t) => {
    const { open } = await startAllChannels(t);
    const past = new Signer(TEST_SECRET, { now: () => Date.now() - 3_600_000 });
    const token = signSessionToken(past, { sessionId: "s1", peerId: "ann" }, { expiresIn: 60 });
    assert.equal((await open(tokenIdentifier("SignalingChannel", token))).outcome, "expired_token");
  });

  test("refuses a token replayed into another session through the identifier", async (t) => {
    const { open, member, signer } = await startAllChannels(t);
    const dan = await member("s2", "dan");
    const token = signSessionToken(signer, { sessionId: "s1", peerId: "eve" });
    for (const extra of [{ sessionId: "s2" }, { session: "s2" }, { stream: "p2p:session:s2" }]) {
      const { sub, outcome } = await open(tokenIdentifier("SignalingChannel", token, extra));
      assert.equal(outcome, "invalid_params", JSON.stringify(extra));
      assert.match(
        String(sub.data(isError)[0]!.message),
        /identifier takes only "channel", "token" and "join"/,
      );
    }
    // The same token, used as it is meant to be, lands in s1: never in s2.
    const eve = await member("s1", "eve");
    eve.perform("signal", { to: "dan", signal: offer });
    assert.equal((await eve.next(isError, "the unknown_peer error")).reason, "unknown_peer");
    assert.deepEqual(dan.data().map(withoutJoinId), [
      { type: "ready", host: "dan", peer: "dan", peers: ["dan"], relay: relayDefaults },
    ]);
  });

  test("refuses a token presented for another peer id, and stamps its own id whatever from says", async (t) => {
    const { open, member, signer } = await startAllChannels(t);
    const ann = await member("s1", "ann");
    const bob = await member("s1", "bob");
    const token = signSessionToken(signer, { sessionId: "s1", peerId: "eve" });
    for (const extra of [{ peerId: "bob" }, { peer: "bob" }, { from: "bob" }]) {
      assert.equal((await open(tokenIdentifier("SignalingChannel", token, extra))).outcome, "invalid_params");
    }
    const eve = await member("s1", "eve");
    eve.perform("join", { peerId: "bob" });
    assert.match(
      String((await eve.next(isError, "the join error")).message),
      /join takes only "resume", got "peerId"/,
    );
    eve.perform("signal", { to: "ann", from: "bob", signal: { ...offer, from: "bob" } });
    assert.deepEqual(await ann.next(isSignal, "eve's offer at ann"), {
      type: "signal",
      from: "eve",
      signal: offer,
    });
    eve.perform("drop", { peer: "bob" });
    assert.equal((await eve.next(isError, "the drop error")).reason, "not_host");
    assert.equal(bob.data((m) => m.type === "peer-left").length, 0);
  });

  test("refuses a room token and a Turbo stream name as a session token", async (t) => {
    const { open, signer } = await startAllChannels(t);
    const room = issueRoomClient(signer, "r1");
    assert.equal((await open(tokenIdentifier("SignalingChannel", room.token))).outcome, "invalid_token");
    const streamName = signer.signStreamName(JSON.stringify({ sessionId: "s1", peerId: "ann" }));
    assert.equal((await open(tokenIdentifier("SignalingChannel", streamName))).outcome, "invalid_token");
  });
});

describe("room tokens", () => {
  const rooms = ["RoomChannel", "RoomSignalingChannel"];

  test("rejects a token whose signed room id was swapped for another", async (t) => {
    const { open, signer } = await startAllChannels(t);
    const token = swapped(issueRoomClient(signer, "r1").token, { roomId: "r2", clientId: "eve" }, "room");
    for (const channel of rooms) {
      assert.equal((await open(tokenIdentifier(channel, token))).outcome, "invalid_token", channel);
    }
  });

  test("rejects an expired token with expired_token", async (t) => {
    const { open } = await startAllChannels(t);
    const past = new Signer(TEST_SECRET, { now: () => Date.now() - 13 * 3_600_000 });
    const { token } = issueRoomClient(past, "r1");
    for (const channel of rooms) {
      assert.equal((await open(tokenIdentifier(channel, token))).outcome, "expired_token", channel);
    }
  });

  test("refuses a token replayed into another room or for another client id through the identifier", async (t) => {
    const { open, signer } = await startAllChannels(t);
    const { token } = issueRoomClient(signer, "r1");
    for (const channel of rooms) {
      for (const extra of [{ roomId: "r2" }, { room: "r2" }, { clientId: "someone-else" }, { from: "x" }]) {
        const { outcome } = await open(tokenIdentifier(channel, token, extra));
        assert.equal(outcome, "invalid_params", `${channel} ${JSON.stringify(extra)}`);
      }
    }
  });

  test("does not open another room's or client's Turbo stream with a room token", async (t) => {
    const { open, signer } = await startAllChannels(t);
    const ann = issueRoomClient(signer, "r1");
    const bob = issueRoomClient(signer, "r1");
    for (const signed of [
      ann.token,
      flipLast(signer.signStreamName(roomStreams.client("r1", ann.clientId))),
    ]) {
      const id = identifier({ channel: TURBO_STREAMS_CHANNEL, signed_stream_name: signed });
      assert.equal((await open(id)).outcome, "rejected without a reason");
    }
    const { outcome } = await open(
      identifier({
        channel: TURBO_STREAMS_CHANNEL,
        signed_stream_name: signer.signStreamName(roomStreams.client("r1", bob.clientId)),
      }),
    );
    assert.equal(outcome, "confirmed", "a name the server signed still opens");
  });

  test("refuses a session token on both room channels", async (t) => {
    const { open, signer } = await startAllChannels(t);
    const token = signSessionToken(signer, { sessionId: "r1", peerId: "eve" });
    for (const channel of rooms) {
      assert.equal((await open(tokenIdentifier(channel, token))).outcome, "invalid_token", channel);
    }
  });
});

describe("directed delivery", () => {
  test("performs nothing for an identifier the socket never subscribed, even with a valid token", async (t) => {
    const { open, member, signer, logger } = await startAllChannels(t);
    const ann = await member("s1", "ann");
    const bobId = tokenIdentifier(
      "SignalingChannel",
      signSessionToken(signer, { sessionId: "s1", peerId: "bob" }),
    );
    const { sub: eve } = await open(
      tokenIdentifier("SignalingChannel", signSessionToken(signer, { sessionId: "s9", peerId: "eve" })),
    );
    eve.client.perform(bobId, { action: "join" });
    eve.client.perform(bobId, { action: "signal", to: "ann", signal: offer });
    await logger.waitFor("message for a subscription that is not confirmed");
    // eve's own subscription still works, and her later frames ran after the refused ones.
    eve.perform("join");
    await eve.next((m) => m.type === "ready", "eve's ready in s9");
    assert.deepEqual(ann.data().map(withoutJoinId), [
      { type: "ready", host: "ann", peer: "ann", peers: ["ann"], relay: relayDefaults },
    ]);
    assert.equal(eve.client.all((f) => f.identifier === bobId).length, 0);
  });

  test("addresses a peer id only inside the caller's session, even when another session has the same id", async (t) => {
    const { member } = await startAllChannels(t);
    const ann = await member("s1", "ann");
    const bob1 = await member("s1", "bob");
    const dan = await member("s2", "dan");
    const bob2 = await member("s2", "bob");
    ann.perform("signal", { to: "bob", signal: offer });
    assert.equal((await bob1.next(isSignal, "ann's offer at s1's bob")).from, "ann");
    dan.perform("signal", { to: "bob", signal: offer });
    const first = await bob2.next(isSignal, "dan's offer at s2's bob");
    assert.equal(first.from, "dan", "a leak of ann's offer would have arrived first");
    assert.equal(bob2.data(isSignal).length, 1);
    assert.equal(bob1.data(isSignal).length, 1);
    assert.equal(ann.data(isSignal).length + dan.data(isSignal).length, 0);
  });

  test("keeps greetings and signals inside the caller's room", async (t) => {
    const { open, signer } = await startAllChannels(t);
    const subscribeAll = async (roomId: string) => {
      const client = issueRoomClient(signer, roomId);
      const turbo = identifier({
        channel: TURBO_STREAMS_CHANNEL,
        signed_stream_name: signer.signStreamName(roomStreams.client(roomId, client.clientId)),
      });
      const personal = (await open(turbo)).sub;
      const signaling = (await open(tokenIdentifier("RoomSignalingChannel", client.token))).sub;
      const presence = (await open(tokenIdentifier("RoomChannel", client.token))).sub;
      return { client, personal, signaling, presence };
    };
    const ann = await subscribeAll("r1");
    const amy = await subscribeAll("r1");
    const dan = await subscribeAll("r2");
    const eve = await subscribeAll("r2");
    const danId = dan.client.clientId;
    ann.presence.perform("greet", { to: danId });
    ann.signaling.perform("signal", { to: danId, description: offer });
    ann.signaling.perform("signal", { to: amy.client.clientId, description: offer });
    await amy.signaling.next(isSignal, "ann's offer at amy");
    ann.presence.perform("greet", { to: amy.client.clientId });
    await amy.personal.client.next(
      (f) => typeof f.message === "string" && f.message.includes(ann.client.clientId),
      "ann's greeting at amy",
    );
    eve.presence.perform("greet", { to: danId });
    eve.signaling.perform("signal", { to: danId, description: offer });
    await dan.personal.client.next((f) => typeof f.message === "string", "eve's greeting at dan");
    await dan.signaling.next(isSignal, "eve's offer at dan");
    const html = dan.personal.client.all((f) => typeof f.message === "string").map((f) => String(f.message));
    assert.equal(html.length, 1);
    assert.ok(html[0]!.includes(eve.client.clientId) && !html[0]!.includes(ann.client.clientId));
    assert.deepEqual(
      dan.signaling.data(isSignal).map((m) => m.from),
      [eve.client.clientId],
    );
  });
});
