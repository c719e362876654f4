import { MemoryRoomStore } from "../../src/store/room_memory.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import { roomStoreContract } from "../support/room_store_contract.js";

roomStoreContract("MemoryRoomStore", async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const store = new MemoryRoomStore({ now: () => clock.now() });
  return { store, advance: (ms: number) => clock.advance(ms), close: () => store.close() };
});

roomStoreContract("MemoryRoomStore on the real clock", async () => {
  const store = new MemoryRoomStore();
  return { store, close: () => store.close() };
});
