import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DataChannelLike, FrameReceiver, FrameSender } from "../../src/client/session/chunker.js";
import { decodeBody, decodeMessage, encodeMessage } from "../../src/client/session/message_codec.js";
import type { P2pError } from "../../src/protocol/errors.js";

type Event = "open" | "close" | "bufferedamountlow";

/** A data channel double: frames land in `sent`; `drain()` plays the network taking buffered bytes. */
class FakeChannel implements DataChannelLike {
  readyState: RTCDataChannelState = "open";
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  readonly sent: ArrayBuffer[] = [];
  readonly delivered: ArrayBuffer[] = [];
  readonly #listeners = new Map<Event, Set<() => void>>();

  send(data: ArrayBuffer): void {
    if (this.readyState !== "open") throw new Error(`InvalidStateError: channel is ${this.readyState}`);
    this.sent.push(data);
    this.bufferedAmount += data.byteLength;
  }
  addEventListener(type: Event, listener: () => void): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(listener);
  }
  removeEventListener(type: Event, listener: () => void): void {
    this.#listeners.get(type)?.delete(listener);
  }
  emit(type: Event): void {
    for (const listener of this.#listeners.get(type) ?? []) listener();
  }
  /** Takes every buffered frame off the wire, firing `bufferedamountlow` as a browser would. */
  drain(): void {
    const wasAbove = this.bufferedAmount > this.bufferedAmountLowThreshold;
    this.delivered.push(...this.sent.splice(0));
    this.bufferedAmount = 0;
    if (wasAbove) this.emit("bufferedamountlow");
  }
  listenerCount(): number {
    return [...this.#listeners.values()].reduce((n, set) => n + set.size, 0);
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function reassemble(frames: ArrayBuffer[]): Uint8Array[] {
  const receiver = new FrameReceiver();
  return frames.map((frame) => receiver.push(frame)).filter((m): m is Uint8Array => m !== null);
}

function roundTrip(value: Parameters<typeof encodeMessage>[1]): Promise<unknown> {
  return Promise.resolve(encodeMessage({ t: "d", s: "alice" }, value)).then((bytes) =>
    decodeBody(decodeMessage(bytes)),
  );
}

describe("session message codec", () => {
  test("round-trips strings, JSON, ArrayBuffers and typed arrays with their type", async () => {
    assert.equal(await roundTrip("héllo ✓"), "héllo ✓");
    assert.deepEqual(await roundTrip({ a: [1, "x", null] }), { a: [1, "x", null] });
    const buffer = await roundTrip(new Uint8Array([1, 2, 3]).buffer);
    assert.ok(buffer instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(buffer)], [1, 2, 3]);
    const floats = await roundTrip(new Float32Array([1.5, -2.25]));
    assert.ok(floats instanceof Float32Array);
    assert.deepEqual([...floats], [1.5, -2.25]);
  });

  test("sends only the viewed window of a typed array that shares a larger buffer", async () => {
    const view = new Uint16Array(new Uint16Array([9, 8, 7, 6]).buffer, 2, 2);
    assert.deepEqual([...((await roundTrip(view)) as Uint16Array)], [8, 7]);
  });

  test("round-trips a Blob with its MIME type", async () => {
    const blob = (await roundTrip(new Blob(["<b>hi</b>"], { type: "text/html" }))) as Blob;
    assert.ok(blob instanceof Blob);
    assert.equal(blob.type, "text/html");
    assert.equal(await blob.text(), "<b>hi</b>");
  });

  test("rejects a header that is not JSON, naming the problem", () => {
    const bytes = new Uint8Array([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]);
    assert.throws(
      () => decodeMessage(bytes),
      (e: P2pError) => e.reason === "invalid_message" && /not JSON/.test(e.message),
    );
  });

  test("rejects a typed array body that is not whole elements", () => {
    const bytes = encodeMessage({ t: "d", b: "v", n: "Uint32Array" }, "abc") as Uint8Array;
    const decoded = decodeMessage(bytes);
    assert.throws(
      () => decodeBody({ envelope: { ...decoded.envelope, b: "v", n: "Uint32Array" }, body: decoded.body }),
      /not whole elements/,
    );
  });

  test("refuses to send a value that is not data", () => {
    assert.throws(
      () => encodeMessage({ t: "d" }, (() => 1) as never),
      (e: P2pError) => e.reason === "invalid_message",
    );
  });
});

describe("FrameSender and FrameReceiver", () => {
  test("sends a message smaller than one frame as a single last frame", async () => {
    const channel = new FakeChannel();
    const sender = new FrameSender(channel, { chunkSize: 64 });
    await sender.send(new Uint8Array([1, 2, 3]));
    assert.equal(channel.sent.length, 1);
    assert.deepEqual([...new Uint8Array(channel.sent[0]!)], [1, 1, 2, 3]);
  });

  test("cuts a large message into frames of at most chunkSize and reassembles it intact", async () => {
    const channel = new FakeChannel();
    const sender = new FrameSender(channel, { chunkSize: 1000, highWaterMark: Number.POSITIVE_INFINITY });
    const message = new Uint8Array(10_500).map((_, i) => (i * 7) % 251);
    await sender.send(message);
    assert.equal(channel.sent.length, Math.ceil(10_500 / 999));
    assert.ok(channel.sent.every((frame) => frame.byteLength <= 1000));
    const [out] = reassemble(channel.sent);
    assert.deepEqual(out, message);
  });

  test("keeps messages in the order they were queued, a pending Blob included", async () => {
    const channel = new FakeChannel();
    const sender = new FrameSender(channel, { chunkSize: 16 });
    const slow = encodeMessage({ t: "d" }, new Blob([new Uint8Array(100).fill(5)]));
    const sends = [sender.send(slow), sender.send(encodeMessage({ t: "d" }, "after") as Uint8Array)];
    await Promise.all(sends);
    const values = reassemble(channel.sent).map((bytes) => decodeBody(decodeMessage(bytes)));
    assert.ok(values[0] instanceof Blob);
    assert.equal(values[1], "after");
  });

  test("stops at the high-water mark and resumes on bufferedamountlow without dropping a frame", async () => {
    const channel = new FakeChannel();
    const sender = new FrameSender(channel, { chunkSize: 100, highWaterMark: 300, lowWaterMark: 50 });
    assert.equal(channel.bufferedAmountLowThreshold, 50);
    const message = new Uint8Array(5_000).map((_, i) => i % 256);
    let done = false;
    const sent = sender.send(message).then(() => {
      done = true;
    });
    await flush();
    assert.ok(channel.bufferedAmount <= 300 + 100, `buffered ${channel.bufferedAmount} bytes`);
    assert.equal(done, false);
    let rounds = 0;
    while (!done && rounds < 1000) {
      channel.drain();
      await flush();
      rounds += 1;
    }
    await sent;
    channel.drain();
    assert.ok(rounds > 5, "the sender waited for the buffer to drain several times");
    assert.deepEqual(reassemble(channel.delivered)[0], message);
  });

  test("waits for the channel to open before sending", async () => {
    const channel = new FakeChannel();
    channel.readyState = "connecting";
    const sender = new FrameSender(channel);
    const sent = sender.send(new Uint8Array([4]));
    await flush();
    assert.equal(channel.sent.length, 0);
    channel.readyState = "open";
    channel.emit("open");
    await sent;
    assert.equal(channel.sent.length, 1);
  });

  test("rejects queued messages with channel_closed when the channel closes, and detaches", async () => {
    const channel = new FakeChannel();
    channel.readyState = "connecting";
    const sender = new FrameSender(channel);
    const sent = sender.send(new Uint8Array([4]));
    channel.readyState = "closed";
    channel.emit("close");
    await assert.rejects(sent, (e: P2pError) => e.reason === "channel_closed");
    assert.equal(channel.listenerCount(), 0);
    await assert.rejects(sender.send(new Uint8Array([1])), (e: P2pError) => e.reason === "channel_closed");
  });

  test("refuses a message larger than maxMessageBytes and recovers for the next one", () => {
    const receiver = new FrameReceiver({ maxMessageBytes: 4 });
    const frame = (flag: number, ...bytes: number[]) => new Uint8Array([flag, ...bytes]).buffer;
    assert.equal(receiver.push(frame(0, 1, 2, 3)), null);
    assert.throws(
      () => receiver.push(frame(0, 4, 5)),
      (e: P2pError) => e.reason === "message_too_big",
    );
    assert.equal(receiver.push(frame(1, 6)), null, "the rest of the oversized message is discarded");
    assert.deepEqual(receiver.push(frame(1, 7, 8)), new Uint8Array([7, 8]));
  });

  test("refuses text and empty frames", () => {
    const receiver = new FrameReceiver();
    assert.throws(() => receiver.push("hi"), /text, expected binary/);
    assert.throws(() => receiver.push(new ArrayBuffer(0)), /empty/);
  });
});
