import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DataPath, type OpenLink, type RelayFrame } from "../../src/client/session/data_path.js";
import { decodeBody, decodeMessage, encodeMessage } from "../../src/client/session/message_codec.js";
import type { RelayLimits } from "../../src/protocol/session_messages.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import { TestLogger } from "../../src/testing/test_logger.js";
import { settle } from "../support/turns.js";

const LIMITS: RelayLimits = {
  maxBytes: 1024,
  messagesPerSecond: 1000,
  messageBurst: 1000,
  bytesPerSecond: 10_000_000,
  byteBurst: 10_000_000,
};

/** Two ends of one path, the cable in between held by the test: frames go when it says. */
function pair(limits: RelayLimits | null = LIMITS) {
  const clock = new FakeClock();
  const frames: RelayFrame[] = [];
  const received: unknown[] = [];
  const errors: string[] = [];
  let cableUp = true;
  const end = (peerId: string, deliver: (data: unknown) => void) =>
    new DataPath({
      peerId,
      join: "j1",
      relay: limits,
      clock,
      logger: new TestLogger(),
      perform: (frame) => {
        if (!cableUp) return false;
        frames.push(frame);
        return true;
      },
      deliver: (message) => deliver(decodeBody(message)),
      error: (error) => errors.push(error.reason),
    });
  const sender = end("host", () => undefined);
  const receiver = end("bob", (data) => received.push(data));
  /** A link whose messages the test hands to the receiver when it likes. */
  const onLink: Uint8Array[] = [];
  const link: OpenLink = {
    send: async (bytes) => {
      onLink.push(await bytes);
    },
  };
  return {
    clock,
    frames,
    received,
    errors,
    sender,
    receiver,
    link,
    onLink,
    cable: (up: boolean) => {
      cableUp = up;
    },
    deliverFrames: (list: RelayFrame[]) => {
      for (const frame of list) receiver.receiveRelay(frame.seq, frame.data);
    },
    deliverLink: () => {
      for (const bytes of onLink.splice(0)) receiver.receiveFromLink(decodeMessage(bytes));
    },
  };
}

const message = (data: unknown) => encodeMessage({ t: "d", s: "host" }, data as string);

describe("DataPath", () => {
  test("carries a message larger than one frame through the cable in frames within maxBytes", async () => {
    const p = pair();
    const big = new Uint8Array(5000).map((_, i) => (i * 31 + 7) % 251);
    await p.sender.send(encodeMessage({ t: "d" }, big));
    assert.ok(p.frames.length >= 7, `${p.frames.length} frames`);
    assert.ok(p.frames.every((f) => f.data.length <= LIMITS.maxBytes));
    assert.deepEqual(
      p.frames.map((f) => f.seq),
      p.frames.map((_, i) => i),
    );
    p.deliverFrames(p.frames);
    assert.deepEqual(p.received, [big]);
  });

  test("delivers frames that arrive twice and out of order once, in order", async () => {
    const p = pair();
    for (const text of ["a", "b", "c", "d"]) await p.sender.send(message(text));
    const frames = [...p.frames];
    p.deliverFrames([frames[2]!, frames[0]!, frames[0]!, frames[3]!, frames[2]!]);
    assert.deepEqual(p.received, ["a"]);
    p.deliverFrames([frames[1]!, frames[3]!]);
    assert.deepEqual(p.received, ["a", "b", "c", "d"]);
  });

  test("moves to the link without loss, duplicates or reordering when its messages overtake the cable's", async () => {
    const p = pair();
    for (const text of ["1", "2", "3"]) await p.sender.send(message(text));
    p.sender.linkOpened(p.link);
    for (const text of ["4", "5"]) await p.sender.send(message(text));
    await settle();
    assert.equal(p.frames.length, 3, "after the link opened nothing more went through the cable");
    // The link is faster: its mark and messages arrive before the cable's frames.
    p.receiver.linkOpened(p.link);
    p.deliverLink();
    assert.deepEqual(p.received, [], "the link's messages wait for the cable's");
    p.deliverFrames(p.frames.slice(1));
    assert.deepEqual(p.received, []);
    p.deliverFrames(p.frames.slice(0, 1));
    assert.deepEqual(p.received, ["1", "2", "3", "4", "5"]);
    p.deliverFrames(p.frames);
    assert.deepEqual(p.received, ["1", "2", "3", "4", "5"], "a frame replayed by the cable is dropped");
  });

  test("goes on with the link's messages when cable frames before them never come, reporting the loss", async () => {
    const p = pair();
    await p.sender.send(message("lost"));
    p.sender.linkOpened(p.link);
    await p.sender.send(message("after"));
    p.deliverLink();
    p.clock.advance(9999);
    assert.deepEqual(p.received, []);
    p.clock.advance(1);
    assert.deepEqual(p.received, ["after"]);
    assert.deepEqual(p.errors, ["channel_closed"]);
    p.deliverFrames(p.frames);
    assert.deepEqual(p.received, ["after"], "a frame that comes after all is too late: dropped");
  });

  test("says settled once the link is open and the cable has carried everything", async () => {
    const p = pair();
    await p.sender.send(message("1"));
    p.receiver.linkOpened(p.link);
    assert.equal(p.receiver.settled, false, "no mark from the other end yet");
    p.sender.linkOpened(p.link);
    await settle();
    p.deliverLink();
    assert.equal(p.receiver.settled, false, "frame 0 is still on the cable");
    p.deliverFrames(p.frames);
    assert.equal(p.receiver.settled, true);
  });

  test("sends a frame again that the server refused as over its rate", async () => {
    const p = pair();
    for (const text of ["a", "b"]) await p.sender.send(message(text));
    p.sender.refused(0, "relay_limited", "over the rate");
    p.clock.advance(250);
    await settle();
    assert.deepEqual(
      p.frames.map((f) => f.seq),
      [0, 1, 0],
    );
    p.deliverFrames(p.frames.slice(1));
    assert.deepEqual(p.received, ["a", "b"]);
    assert.deepEqual(p.errors, []);
  });

  test("paces frames below the server's rate instead of being refused", async () => {
    const p = pair({ ...LIMITS, messagesPerSecond: 10, messageBurst: 2 });
    const sent = ["a", "b", "c"].map((text) => p.sender.send(message(text)));
    await settle();
    assert.equal(p.frames.length, 1, "half the burst of 2");
    p.clock.advance(124);
    await settle();
    assert.equal(p.frames.length, 1);
    p.clock.advance(1);
    await settle();
    assert.equal(p.frames.length, 2, "then one every 125 ms (80 % of 10 a second)");
    p.clock.advance(125);
    await Promise.all(sent);
    assert.equal(p.frames.length, 3);
  });

  test("holds frames while the cable is away and sends them when it is back", async () => {
    const p = pair();
    p.cable(false);
    const sent = p.sender.send(message("later"));
    await settle();
    assert.equal(p.frames.length, 0);
    p.cable(true);
    p.clock.advance(250);
    await sent;
    p.deliverFrames(p.frames);
    assert.deepEqual(p.received, ["later"]);
  });

  test("without relaying waits for the link, then hands everything to it in order", async () => {
    const p = pair(null);
    assert.equal(p.sender.usable, false);
    const sent = ["x", "y"].map((text) => p.sender.send(message(text)));
    await settle();
    assert.equal(p.onLink.length, 0);
    p.sender.linkOpened(p.link);
    await Promise.all(sent);
    p.deliverLink();
    assert.deepEqual(p.received, ["x", "y"], "no mark: delivered as they come");
    assert.equal(p.frames.length, 0);
  });

  test("gives back on close what it had not handed over, a message half through the cable whole", async () => {
    const p = pair({ ...LIMITS, messagesPerSecond: 1, messageBurst: 2 });
    void p.sender.send(encodeMessage({ t: "d" }, new Uint8Array(3000)));
    void p.sender.send(message("next"));
    await settle();
    assert.equal(p.frames.length, 1);
    const pending = p.sender.close();
    assert.equal(pending.length, 2);
    assert.equal((await pending[0]!.bytes).byteLength > 3000, true);
  });
});
