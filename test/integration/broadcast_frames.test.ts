import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestChannel, identifier, RawClient, startCable } from "../support/cable.js";

const EXT = "actioncable-v1-ext-json";

/** Every frame a socket receives after this call, as raw text, with whether it came as binary. */
function rawFrames(client: RawClient): { text: string; binary: boolean }[] {
  const frames: { text: string; binary: boolean }[] = [];
  client.socket.on("message", (data, isBinary) => frames.push({ text: String(data), binary: isBinary }));
  return frames;
}

describe("one broadcast to many subscribers", () => {
  test("reaches each as a text frame with its own identifier, byte for byte, plain and extended", async (t) => {
    const { url } = await startCable(t, { channels: [createTestChannel()] });
    const room = identifier({ channel: "TestChannel", room: "fan" });
    // Another identifier of the same stream: the frame is built per identifier, not shared blindly.
    const sameStream = identifier({ room: "fan", channel: "TestChannel" });
    const plain = await Promise.all([1, 2, 3].map(() => RawClient.connect(url)));
    const other = await RawClient.connect(url);
    const ext = await RawClient.open(url, { protocols: [EXT] });
    await ext.next((f) => f.type === "welcome", "ext welcome");
    const clients = [...plain, other, ext];
    t.after(() => {
      for (const client of clients) client.close();
    });
    for (const client of [...plain, ext]) await client.subscribed(room);
    await other.subscribed(sameStream);
    const frames = clients.map(rawFrames);

    plain[0]!.perform(room, { action: "speak", text: "héllo ✓" });
    for (const client of clients) await client.next((f) => "message" in f, "the broadcast");

    const message = '{"text":"héllo ✓"}';
    for (const received of frames.slice(0, 3))
      assert.deepEqual(received, [
        { text: `{"identifier":${JSON.stringify(room)},"message":${message}}`, binary: false },
      ]);
    assert.deepEqual(frames[3], [
      { text: `{"identifier":${JSON.stringify(sameStream)},"message":${message}}`, binary: false },
    ]);
    const [positioned] = frames[4]!;
    assert.equal(positioned?.binary, false);
    assert.match(
      positioned!.text,
      new RegExp(
        `^${escapeRegExp(`{"identifier":${JSON.stringify(room)},"message":${message},"stream_id":"test:fan","epoch":"`)}[^"]+","offset":1}$`,
      ),
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
