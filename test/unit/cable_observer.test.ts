import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ConnectionHandle } from "../../src/cable/channel_context.js";
import { ObserverSet } from "../../src/cable/observer.js";

const connection = { id: "c1" } as ConnectionHandle;

describe("ObserverSet", () => {
  test("tells every observer, and one that throws neither stops the others nor escapes", () => {
    const failures: unknown[] = [];
    const observers = new ObserverSet((error) => failures.push(error));
    const seen: string[] = [];
    observers.add({
      subscriptionRejected: () => {
        throw new Error("boom");
      },
    });
    observers.add({ subscriptionRejected: (_c, channel, reason) => seen.push(`${channel}:${reason}`) });
    observers.subscriptionRejected(connection, "RoomChannel", "invalid_token");
    assert.deepEqual(seen, ["RoomChannel:invalid_token"]);
    assert.equal(String(failures[0]), "Error: boom");
  });

  test("reports sent frames in UTF-8 bytes, and stops telling a removed observer", () => {
    const observers = new ObserverSet((error) => assert.fail(String(error)));
    const sent: number[] = [];
    const remove = observers.add({ messageSent: (_c, bytes) => sent.push(bytes) });
    observers.messageSent(connection, '{"message":"héllo ✓"}');
    remove();
    observers.messageSent(connection, "{}");
    assert.deepEqual(sent, [Buffer.byteLength('{"message":"héllo ✓"}')]);
    assert.notEqual(sent[0], '{"message":"héllo ✓"}'.length);
  });

  test("passes a failed teardown step on with its channel, stream and error", () => {
    const observers = new ObserverSet((error) => assert.fail(String(error)));
    const seen: unknown[] = [];
    observers.add({ teardownFailed: (c, what, error) => seen.push([c.id, what, String(error)]) });
    observers.teardownFailed(
      connection,
      { step: "stop_stream", channel: "RoomChannel", stream: "room:1" },
      "down",
    );
    assert.deepEqual(seen, [
      ["c1", { step: "stop_stream", channel: "RoomChannel", stream: "room:1" }, "down"],
    ]);
  });
});
