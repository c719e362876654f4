import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { broadcastFrame, frameBytes } from "../../src/cable/broadcast_frame.js";
import { dataFrame } from "../../src/cable/protocol.js";

const id = JSON.stringify(JSON.stringify({ channel: "ChatChannel", room: "1" }));

describe("broadcastFrame", () => {
  test("builds the plain data frame, byte for byte", () => {
    assert.equal(broadcastFrame(id, '{"text":"hi"}', undefined), dataFrame(id, '{"text":"hi"}'));
  });

  test("builds the positioned frame of the extended protocol with the suffix", () => {
    const suffix = ',"stream_id":"chat:1","epoch":"e1","offset":7}';
    assert.equal(
      broadcastFrame(id, '{"text":"hi"}', suffix),
      `{"identifier":${id},"message":{"text":"hi"},"stream_id":"chat:1","epoch":"e1","offset":7}`,
    );
  });

  test("gives a new frame when the identifier, the payload or the position changes", () => {
    const other = JSON.stringify(JSON.stringify({ channel: "ChatChannel", room: "2" }));
    const payload = '{"n":1}';
    const frames = [
      broadcastFrame(id, payload, undefined),
      broadcastFrame(other, payload, undefined),
      broadcastFrame(other, '{"n":2}', undefined),
      broadcastFrame(other, '{"n":2}', ',"stream_id":"s","epoch":"e","offset":1}'),
      broadcastFrame(other, '{"n":2}', ',"stream_id":"s","epoch":"e","offset":2}'),
    ];
    assert.equal(new Set(frames).size, frames.length);
    assert.ok(frames[1]!.includes('room\\":\\"2'));
  });
});

describe("frameBytes", () => {
  test("hands the text the first time and the same UTF-8 bytes to every later socket", () => {
    const frame = dataFrame(id, JSON.stringify({ text: "héllo ✓" }));
    assert.equal(frameBytes(frame), frame);
    const second = frameBytes(frame);
    assert.ok(Buffer.isBuffer(second));
    assert.deepEqual(second, Buffer.from(frame, "utf8"));
    assert.equal(frameBytes(`${frame}`), second, "an equal frame reuses the bytes");
  });

  test("starts over with the text for another frame", () => {
    frameBytes("a");
    frameBytes("a");
    assert.equal(frameBytes("b"), "b");
    assert.equal(frameBytes("a"), "a");
  });
});
