import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import type { RoomStore } from "../../src/store/room_adapter.js";

/** A room store under test. `advance` moves its clock; without it, leases lapse in real time. */
export interface ContractRoomStore {
  store: RoomStore;
  advance?(ms: number): void;
  close(): Promise<void>;
}

/** Fresh, unique room ids: implementations that share a server (Redis) never see each other's. */
const roomId = (label: string) => `${label}-${randomUUID()}`;

/** A lease that outlasts every test: only the leases a test shortens on purpose lapse. */
const HOUR = 3_600_000;

/** Polls `probe` until it holds, failing with `description` after `timeoutMs`: for real-clock leases. */
async function eventually(
  probe: () => Promise<boolean>,
  description: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Asserts that `promise` rejects with `room_full` and a message naming the room and the cap. */
async function refusedFull(promise: Promise<unknown>, id: string, max: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof P2pError, `a P2pError, got ${String(error)}`);
    assert.equal(error.reason, Reasons.roomFull);
    assert.equal(error.message, `Room "${id}" is full: ${max} members at most`);
    return true;
  });
}

/**
 * The `RoomStore` contract (src/store/room_adapter.ts), run against one implementation: the cap,
 * idempotent joins, leaves, leases and concurrency.
 *
 * @example
 * roomStoreContract("MemoryRoomStore", async () => {
 *   const clock = new FakeClock(1_700_000_000_000);
 *   const store = new MemoryRoomStore({ now: () => clock.now() });
 *   return { store, advance: (ms) => clock.advance(ms), close: () => store.close() };
 * });
 */
export function roomStoreContract(
  name: string,
  create: (t: TestContext) => Promise<ContractRoomStore>,
): void {
  async function open(t: TestContext): Promise<ContractRoomStore> {
    const opened = await create(t);
    t.after(() => opened.close());
    return opened;
  }

  /** Waits until `clientId`'s lease of `leaseMs` has lapsed: on the fake clock at once, else by polling. */
  async function lapse(opened: ContractRoomStore, id: string, clientId: string, leaseMs: number) {
    if (opened.advance) opened.advance(leaseMs);
    await eventually(
      async () => !(await opened.store.members(id)).includes(clientId),
      `the lease of ${clientId} to lapse`,
    );
  }

  describe(`${name} (RoomStore contract)`, () => {
    test("admits members up to maxMembers and refuses one more with room_full naming the cap", async (t) => {
      const { store } = await open(t);
      const id = roomId("cap");
      assert.deepEqual(await store.join(id, "ann", { maxMembers: 3, leaseMs: HOUR }), { members: ["ann"] });
      assert.deepEqual(await store.join(id, "cy", { maxMembers: 3, leaseMs: HOUR }), {
        members: ["ann", "cy"],
      });
      assert.deepEqual(await store.join(id, "bob", { maxMembers: 3, leaseMs: HOUR }), {
        members: ["ann", "bob", "cy"],
      });
      await refusedFull(store.join(id, "dan", { maxMembers: 3, leaseMs: HOUR }), id, 3);
      assert.deepEqual(await store.members(id), ["ann", "bob", "cy"], "the refused join changed nothing");
    });

    test("counts a client already in the room once, even when the room is full", async (t) => {
      const { store } = await open(t);
      const id = roomId("again");
      await store.join(id, "ann", { maxMembers: 2, leaseMs: HOUR });
      await store.join(id, "bob", { maxMembers: 2, leaseMs: HOUR });
      assert.deepEqual(await store.join(id, "bob", { maxMembers: 2, leaseMs: HOUR }), {
        members: ["ann", "bob"],
      });
      assert.deepEqual(await store.members(id), ["ann", "bob"]);
    });

    test("frees a place when a member leaves", async (t) => {
      const { store } = await open(t);
      const id = roomId("leave");
      await store.join(id, "ann", { maxMembers: 2, leaseMs: HOUR });
      await store.join(id, "bob", { maxMembers: 2, leaseMs: HOUR });
      await refusedFull(store.join(id, "cy", { maxMembers: 2, leaseMs: HOUR }), id, 2);
      assert.equal(await store.leave(id, "ann"), true);
      assert.equal(await store.leave(id, "ann"), false, "a second leave finds nobody");
      assert.deepEqual(await store.join(id, "cy", { maxMembers: 2, leaseMs: HOUR }), {
        members: ["bob", "cy"],
      });
    });

    test("leaves only the current membership when a joinId is given", async (t) => {
      const { store } = await open(t);
      const id = roomId("join-id");
      await store.join(id, "ann", { leaseMs: HOUR, joinId: "first-tab" });
      await store.join(id, "ann", { leaseMs: HOUR, joinId: "second-tab" });
      assert.equal(
        await store.leave(id, "ann", { joinId: "first-tab" }),
        false,
        "an older membership leaves nothing",
      );
      assert.deepEqual(await store.members(id), ["ann"]);
      assert.equal(await store.leave(id, "ann", { joinId: "second-tab" }), true);
      assert.deepEqual(await store.members(id), []);
    });

    test("frees the place of a member whose lease lapsed", async (t) => {
      const opened = await open(t);
      const { store } = opened;
      const id = roomId("lapse");
      await store.join(id, "ann", { maxMembers: 2, leaseMs: HOUR });
      await store.join(id, "bob", { maxMembers: 2, leaseMs: 50 });
      await refusedFull(store.join(id, "cy", { maxMembers: 2, leaseMs: HOUR }), id, 2);
      await lapse(opened, id, "bob", 50);
      assert.equal(await store.refresh(id, "bob", HOUR), false, "a lapsed member is not refreshed");
      assert.deepEqual(await store.join(id, "cy", { maxMembers: 2, leaseMs: HOUR }), {
        members: ["ann", "cy"],
      });
      assert.equal(await store.leave(id, "bob"), false);
    });

    test("sets a refreshed member's lease to leaseMs from now", async (t) => {
      const opened = await open(t);
      const { store } = opened;
      const id = roomId("refresh");
      await store.join(id, "ann", { leaseMs: HOUR });
      await store.join(id, "bob", { leaseMs: HOUR });
      assert.equal(await store.refresh(id, "bob", 50), true);
      await lapse(opened, id, "bob", 50);
      assert.deepEqual(await store.members(id), ["ann"], "the refresh shortened bob's lease only");
      if (!opened.advance) return;
      // On the fake clock: refreshing every lease / 2 keeps a member for ten leases.
      await store.join(id, "cy", { leaseMs: 1000 });
      for (let i = 0; i < 20; i++) {
        opened.advance(500);
        assert.equal(await store.refresh(id, "cy", 1000), true, `refresh ${i + 1}`);
      }
      opened.advance(1000);
      assert.deepEqual(await store.members(id), ["ann"], "cy's last lease is over, ann's hour is not");
    });

    test("reports an unknown room as empty, and refreshes or removes nobody there", async (t) => {
      const { store } = await open(t);
      const id = roomId("none");
      assert.deepEqual(await store.members(id), []);
      assert.equal(await store.refresh(id, "ann", HOUR), false);
      assert.equal(await store.leave(id, "ann"), false);
    });

    test("keeps rooms apart", async (t) => {
      const { store } = await open(t);
      const [one, two] = [roomId("one"), roomId("two")];
      await store.join(one, "ann", { maxMembers: 1, leaseMs: HOUR });
      assert.deepEqual(await store.join(two, "bob", { maxMembers: 1, leaseMs: HOUR }), { members: ["bob"] });
      assert.deepEqual(await store.members(one), ["ann"]);
    });

    test("admits exactly 8 of 20 concurrent joins with maxMembers 8 and refuses the rest with room_full", async (t) => {
      const { store } = await open(t);
      const id = roomId("race");
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.join(id, `c${i}`, { maxMembers: 8, leaseMs: HOUR })),
      );
      const admitted = outcomes.filter((outcome) => outcome.status === "fulfilled");
      const refused = outcomes.filter((outcome) => outcome.status === "rejected");
      assert.equal(admitted.length, 8);
      for (const { reason } of refused) assert.equal((reason as P2pError).reason, Reasons.roomFull);
      assert.equal((await store.members(id)).length, 8);
    });

    test("rejects bad arguments with a clear error before storing anything", async (t) => {
      const { store } = await open(t);
      await assert.rejects(store.join("", "a"), /roomId must be a non-empty string/);
      await assert.rejects(store.join("r", ""), /clientId must be a non-empty string/);
      await assert.rejects(
        store.join("r", "a", { maxMembers: 0 }),
        /maxMembers must be a positive integer, got 0/,
      );
      await assert.rejects(
        store.join("r", "a", { maxMembers: 2.5 }),
        /maxMembers must be a positive integer/,
      );
      await assert.rejects(store.join("r", "a", { leaseMs: -1 }), /leaseMs must be positive, got -1/);
      await assert.rejects(store.refresh("r", "a", 0), /leaseMs must be positive, got 0/);
      assert.deepEqual(await store.members("r"), []);
    });
  });
}
