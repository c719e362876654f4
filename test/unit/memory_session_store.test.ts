import { MemorySessionStore } from "../../src/store/memory.js";
import { sessionStoreContract } from "../support/session_store_contract.js";

sessionStoreContract("MemorySessionStore", async () => {
  let now = 1_700_000_000_000;
  const store = new MemorySessionStore({ now: () => now });
  return {
    store,
    advance: (ms: number) => {
      now += ms;
    },
    close: () => store.close(),
  };
});

sessionStoreContract("MemorySessionStore on the real clock", async () => {
  const store = new MemorySessionStore();
  return { store, close: () => store.close() };
});
