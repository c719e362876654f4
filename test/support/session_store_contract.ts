import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import type { JoinResult, SessionStore } from "../../src/store/adapter.js";
import { sessionLeaseContract } from "./session_lease_contract.js";

/** A store under test. `advance` moves its clock; without it, expiry is tested against real time. */
export interface ContractStore {
  store: SessionStore;
  advance?(ms: number): void;
  close(): Promise<void>;
}

/** Fresh, unique session ids: implementations that share a server (Redis) never see each other's. */
const sessionId = (label: string) => `${label}-${randomUUID()}`;

/** A lease that outlasts every expiry test: those are about the session's ttl alone. */
const HOUR = 3_600_000;

/** What every joiner is told, without the ids of the membership. */
const seen = ({ host, isHost, peers }: JoinResult) => ({ host, isHost, peers });

/** Polls `probe` until it holds, failing with `description` after `timeoutMs`: for real-clock expiry. */
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

/**
 * The `SessionStore` contract (src/store/adapter.ts), run against one implementation: host
 * election, idempotent joins, `maxPeers`, leaves, concurrency, expiry and leases.
 *
 * @example
 * sessionStoreContract("MemorySessionStore", async () => {
 *   let now = 0;
 *   const store = new MemorySessionStore({ now: () => now });
 *   return { store, advance: (ms) => (now += ms), close: () => store.close() };
 * });
 */
export function sessionStoreContract(name: string, create: (t: TestContext) => Promise<ContractStore>): void {
  async function open(t: TestContext): Promise<ContractStore> {
    const opened = await create(t);
    t.after(() => opened.close());
    return opened;
  }

  describe(`${name} (SessionStore contract)`, () => {
    test("makes the first peer to join the host and lists members host first", async (t) => {
      const { store } = await open(t);
      const id = sessionId("first");
      assert.deepEqual(seen(await store.join(id, "ann")), { host: "ann", isHost: true, peers: ["ann"] });
      assert.deepEqual(seen(await store.join(id, "bob")), {
        host: "ann",
        isHost: false,
        peers: ["ann", "bob"],
      });
      assert.deepEqual(seen(await store.join(id, "cy")), {
        host: "ann",
        isHost: false,
        peers: ["ann", "bob", "cy"],
      });
      assert.equal(await store.host(id), "ann");
      assert.deepEqual(await store.peers(id), ["ann", "bob", "cy"]);
    });

    test("reports an unknown session as empty with no host", async (t) => {
      const { store } = await open(t);
      const id = sessionId("none");
      assert.deepEqual(await store.peers(id), []);
      assert.equal(await store.host(id), null);
    });

    test("keeps members and roles when a peer joins again, naming the membership it replaced", async (t) => {
      const { store } = await open(t);
      const id = sessionId("rejoin");
      const ann = await store.join(id, "ann");
      const bob = await store.join(id, "bob", { joinId: "bob-1" });
      assert.equal(bob.joinId, "bob-1", "the joinId given is the membership's");
      assert.ok(ann.joinId.length > 0 && ann.joinId !== bob.joinId, "a fresh joinId by default");
      assert.equal(ann.replaced, undefined);
      assert.deepEqual(await store.join(id, "bob", { joinId: "bob-2" }), {
        host: "ann",
        isHost: false,
        peers: ["ann", "bob"],
        joinId: "bob-2",
        replaced: "bob-1",
      });
      const again = await store.join(id, "ann");
      assert.deepEqual(seen(again), { host: "ann", isHost: true, peers: ["ann", "bob"] });
      assert.equal(again.replaced, ann.joinId);
    });

    test("refuses a join beyond maxPeers with session_full and leaves the members untouched", async (t) => {
      const { store } = await open(t);
      const id = sessionId("full");
      await store.join(id, "ann", { maxPeers: 2 });
      await store.join(id, "bob", { maxPeers: 2 });
      await assert.rejects(store.join(id, "cy", { maxPeers: 2 }), (error: unknown) => {
        assert.ok(error instanceof P2pError);
        assert.equal(error.reason, Reasons.sessionFull);
        assert.match(error.message, new RegExp(`Session "${id}" is full`));
        return true;
      });
      assert.deepEqual(await store.peers(id), ["ann", "bob"]);
      assert.equal(await store.host(id), "ann");
      assert.equal(
        (await store.join(id, "bob", { maxPeers: 2 })).isHost,
        false,
        "a member may rejoin a full session",
      );
    });

    test("resets the session when the host leaves, so the next peer to join becomes host", async (t) => {
      const { store } = await open(t);
      const id = sessionId("host-leaves");
      await store.join(id, "ann");
      await store.join(id, "bob");
      await store.join(id, "cy");
      assert.deepEqual(await store.leave(id, "ann"), { left: true, hostLeft: true, peers: [] });
      assert.deepEqual(await store.peers(id), []);
      assert.equal(await store.host(id), null);
      assert.deepEqual(seen(await store.join(id, "cy")), { host: "cy", isHost: true, peers: ["cy"] });
      assert.deepEqual(seen(await store.join(id, "bob")), {
        host: "cy",
        isHost: false,
        peers: ["cy", "bob"],
      });
    });

    test("removes a member that leaves and keeps the host", async (t) => {
      const { store } = await open(t);
      const id = sessionId("member-leaves");
      await store.join(id, "ann");
      await store.join(id, "bob");
      await store.join(id, "cy");
      assert.deepEqual(await store.leave(id, "bob"), { left: true, hostLeft: false, peers: ["ann", "cy"] });
      assert.deepEqual(await store.leave(id, "bob"), { left: false, hostLeft: false, peers: ["ann", "cy"] });
      assert.deepEqual(await store.leave(sessionId("never"), "bob"), {
        left: false,
        hostLeft: false,
        peers: [],
      });
      assert.equal(await store.host(id), "ann");
    });

    test("elects exactly one host among 50 concurrent joins", async (t) => {
      const { store } = await open(t);
      const id = sessionId("race");
      const names = Array.from({ length: 50 }, (_, i) => `peer-${i}`);
      const results = await Promise.all(names.map((peer) => store.join(id, peer)));
      const hosts = results.filter((result) => result.isHost);
      assert.equal(hosts.length, 1);
      const host = hosts[0]!.host;
      assert.ok(
        results.every((result) => result.host === host),
        "every joiner sees the same host",
      );
      const members = await store.peers(id);
      assert.equal(members[0], host);
      assert.deepEqual([...members].sort(), [...names].sort());
    });

    test("admits exactly maxPeers of 20 concurrent joins", async (t) => {
      const { store } = await open(t);
      const id = sessionId("race-full");
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.join(id, `p${i}`, { maxPeers: 5 })),
      );
      assert.equal(outcomes.filter((outcome) => outcome.status === "fulfilled").length, 5);
      for (const outcome of outcomes) {
        if (outcome.status === "rejected")
          assert.equal((outcome.reason as P2pError).reason, Reasons.sessionFull);
      }
      assert.equal((await store.peers(id)).length, 5);
    });

    test("empties a session after its ttl without activity, so the next joiner becomes host", async (t) => {
      const { store, advance } = await open(t);
      const id = sessionId("expiry");
      if (advance) {
        await store.join(id, "ann", { ttlSeconds: 10, leaseMs: HOUR });
        await store.join(id, "bob", { ttlSeconds: 10, leaseMs: HOUR });
        advance(9_000);
        assert.deepEqual(await store.peers(id), ["ann", "bob"], "alive just before the ttl");
        advance(1_000);
      } else {
        await store.join(id, "ann", { ttlSeconds: 0.2, leaseMs: HOUR });
        await store.join(id, "bob", { ttlSeconds: 0.2, leaseMs: HOUR });
        await eventually(async () => (await store.peers(id)).length === 0, "the session to expire");
      }
      assert.deepEqual(await store.peers(id), []);
      assert.equal(await store.host(id), null);
      assert.deepEqual(seen(await store.join(id, "bob")), { host: "bob", isHost: true, peers: ["bob"] });
    });

    test("pushes the expiry forward on touch and on every join and leave", async (t) => {
      const { store, advance } = await open(t);
      const id = sessionId("touch");
      await store.join(id, "ann", { ttlSeconds: 10, leaseMs: HOUR });
      await store.touch(id);
      assert.deepEqual(await store.peers(id), ["ann"], "touch changes no members");
      await store.touch(sessionId("absent"));
      if (!advance) return assert.deepEqual(await store.peers(id), ["ann"]);
      advance(8_000);
      await store.touch(id);
      advance(8_000);
      await store.join(id, "bob", { ttlSeconds: 10, leaseMs: HOUR });
      advance(8_000);
      await store.leave(id, "bob");
      advance(8_000);
      assert.deepEqual(
        await store.peers(id),
        ["ann"],
        "alive 32 s after the first join, 8 s after the last write",
      );
      await store.touch(id, 60);
      advance(50_000);
      assert.equal(await store.host(id), "ann", "touch with a ttl sets that ttl");
      advance(10_000);
      assert.equal(await store.host(id), null);
    });

    test("rejects bad arguments with a clear error and stores nothing", async (t) => {
      const { store } = await open(t);
      const id = sessionId("bad");
      await assert.rejects(store.join("", "a"), /sessionId must be a non-empty string/);
      await assert.rejects(store.join(id, ""), /peerId must be a non-empty string/);
      await assert.rejects(
        store.join(id, "a", { maxPeers: 0 }),
        /maxPeers must be a positive integer, got 0/,
      );
      await assert.rejects(store.join(id, "a", { ttlSeconds: -1 }), /ttlSeconds must be positive, got -1/);
      await assert.rejects(store.join(id, "a", { leaseMs: 0 }), /leaseMs must be positive, got 0/);
      await assert.rejects(store.join(id, "a", { joinId: "" }), /joinId must be a non-empty string/);
      await assert.rejects(store.refresh(id, "a", ""), /joinId must be a non-empty string/);
      await assert.rejects(store.refresh(id, "a", "j", { leaseMs: Number.NaN }), /leaseMs must be positive/);
      await assert.rejects(store.detach("", "a", "j"), /sessionId must be a non-empty string/);
      assert.deepEqual(await store.peers(id), []);
    });

    sessionLeaseContract(open);
  });
}
