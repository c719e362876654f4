import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRoomChannel, RoomChannel } from "../../src/channels/room_channel.js";
import { roomChannelDefaults } from "../../src/channels/room_membership.js";
import { MemoryRoomStore } from "../../src/store/room_memory.js";

describe("createRoomChannel", () => {
  test("binds a store, a cap and a lease to a RoomChannel with the same name and actions", () => {
    const store = new MemoryRoomStore();
    const Bound = createRoomChannel({ store, maxMembers: 3, leaseMs: 1000 });
    assert.ok(Bound.prototype instanceof RoomChannel);
    assert.equal(Bound.channelName, "RoomChannel");
    assert.deepEqual(Bound.actions, RoomChannel.actions);
    assert.deepEqual((Bound as typeof RoomChannel).roomSettings, { store, maxMembers: 3, leaseMs: 1000 });
  });

  test("leaves the exported RoomChannel on the defaults: each cable's own memory store, 8 members", () => {
    createRoomChannel({ maxMembers: 2 });
    assert.deepEqual(RoomChannel.roomSettings, { store: undefined, ...roomChannelDefaults });
    assert.deepEqual(roomChannelDefaults, { maxMembers: 8, leaseMs: 4000 });
  });

  test("refuses a maxMembers that is not a positive integer and a leaseMs under 4 ms, naming them", () => {
    for (const maxMembers of [0, -1, 2.5, Number.NaN]) {
      assert.throws(() => createRoomChannel({ maxMembers }), {
        name: "TypeError",
        message: `maxMembers must be a positive integer, got ${maxMembers}`,
      });
    }
    for (const leaseMs of [3, Number.POSITIVE_INFINITY, Number.NaN]) {
      assert.throws(() => createRoomChannel({ leaseMs }), {
        name: "TypeError",
        message: `leaseMs must be a number of milliseconds of at least 4, got ${leaseMs}`,
      });
    }
  });
});
