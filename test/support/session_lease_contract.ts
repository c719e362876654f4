import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type TestContext, test } from "node:test";
import type { JoinResult } from "../../src/store/adapter.js";
import type { ContractStore } from "./session_store_contract.js";

const sessionId = (label: string) => `${label}-${randomUUID()}`;
const seen = ({ host, isHost, peers }: JoinResult) => ({ host, isHost, peers });

/**
 * The lease part of the `SessionStore` contract (docs/protocol.md, "Leases"), run inside
 * `sessionStoreContract`. On a fake clock a lease is 1 s and time jumps; on a real clock (Redis,
 * whose leases run on its own `TIME`) a lease is a few hundred ms and a test waits past its end.
 */
export function sessionLeaseContract(open: (t: TestContext) => Promise<ContractStore>): void {
  /** A lease of `fake` ms on a fake clock, `real` ms on a real one. */
  const leaseOf = (opened: ContractStore, fake = 1000, real = 300) => (opened.advance ? fake : real);

  /** Lets `ms` pass: at once on a fake clock; on a real one, waits until that deadline has passed. */
  async function elapse(opened: ContractStore, ms: number): Promise<void> {
    if (opened.advance) return opened.advance(ms);
    const deadline = Date.now() + ms + 5;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, deadline - Date.now())));
    }
  }

  test("hands the session to the next joiner once the host's lease lapsed, reporting expiredHost", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened);
    const id = sessionId("lapse-join");
    await store.join(id, "ann", { leaseMs: lease * 40 });
    const bob = await store.join(id, "bob", { leaseMs: lease * 40 });
    // Every lease but the one under test is long, so that a slow machine cannot lapse it early.
    await store.join(id, "ann", { leaseMs: lease });
    if (opened.advance) {
      opened.advance(lease - 1);
      const early = await store.join(id, "cy", { leaseMs: lease * 40 });
      assert.equal(early.expiredHost, undefined, "alive 1 ms before");
    }
    await elapse(opened, lease);
    const cy = await store.join(id, "cy", { leaseMs: lease * 40 });
    assert.deepEqual(seen(cy), { host: "cy", isHost: true, peers: ["cy"] });
    assert.equal(cy.expiredHost, "ann");
    assert.equal(await store.host(id), "cy");
    const late = await store.refresh(id, "bob", bob.joinId);
    assert.deepEqual(late, { member: false }, "only one finder is told");
  });

  test("lets a member's refresh find the host's lapsed lease and reset the session, telling only it", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened);
    const id = sessionId("lapse-refresh");
    await store.join(id, "ann", { leaseMs: lease * 40 });
    const bob = await store.join(id, "bob", { leaseMs: lease * 40 });
    const cy = await store.join(id, "cy", { leaseMs: lease * 40 });
    assert.deepEqual(await store.refresh(id, "bob", bob.joinId, { leaseMs: lease * 40 }), { member: true });
    const ann = await store.join(id, "ann", { leaseMs: lease });
    await elapse(opened, lease);
    assert.deepEqual(await store.refresh(id, "bob", bob.joinId), { member: false, expiredHost: "ann" });
    assert.deepEqual(await store.peers(id), []);
    assert.equal(await store.host(id), null);
    assert.deepEqual(await store.refresh(id, "cy", cy.joinId), { member: false });
    assert.deepEqual(await store.refresh(id, "ann", ann.joinId), { member: false });
    const back = await store.join(id, "cy");
    assert.deepEqual(seen(back), { host: "cy", isHost: true, peers: ["cy"] });
    assert.equal(back.expiredHost, undefined);
  });

  test("keeps a host that joins again its role and members, even after its own lease lapsed", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened);
    const id = sessionId("host-back");
    const first = await store.join(id, "ann", { leaseMs: lease * 40 });
    await store.join(id, "bob", { leaseMs: lease * 40 });
    const second = await store.join(id, "ann", { leaseMs: lease });
    assert.deepEqual(seen(second), { host: "ann", isHost: true, peers: ["ann", "bob"] });
    assert.equal(second.replaced, first.joinId);
    await elapse(opened, lease);
    const third = await store.join(id, "ann", { leaseMs: lease * 40 });
    assert.deepEqual(seen(third), { host: "ann", isHost: true, peers: ["ann", "bob"] });
    assert.equal(third.replaced, second.joinId);
    assert.equal(third.expiredHost, undefined);
    assert.deepEqual(await store.refresh(id, "ann", second.joinId), { member: false }, "the old membership");
    assert.deepEqual(await store.refresh(id, "ann", third.joinId), { member: true });
  });

  test("keeps a refreshed lease alive past its first end", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened, 1000, 1000);
    const id = sessionId("refreshed");
    const ann = await store.join(id, "ann", { leaseMs: lease * 40 });
    const bob = await store.join(id, "bob", { leaseMs: lease * 40 });
    assert.deepEqual(await store.refresh(id, "ann", ann.joinId, { leaseMs: lease }), { member: true });
    assert.deepEqual(await store.refresh(id, "bob", bob.joinId, { leaseMs: lease }), { member: true });
    await elapse(opened, lease * 0.6);
    assert.deepEqual(await store.refresh(id, "ann", ann.joinId, { leaseMs: lease }), { member: true });
    assert.deepEqual(await store.refresh(id, "bob", bob.joinId, { leaseMs: lease }), { member: true });
    await elapse(opened, lease * 0.6);
    const cy = await store.join(id, "cy");
    assert.deepEqual(seen(cy), { host: "ann", isHost: false, peers: ["ann", "bob", "cy"] });
    assert.equal(cy.expiredHost, undefined);
  });

  test("prunes a member whose lease lapsed: not listed, not counted for maxPeers, not refreshed", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened);
    const id = sessionId("prune");
    await store.join(id, "ann", { leaseMs: lease * 40, maxPeers: 2 });
    const bob = await store.join(id, "bob", { leaseMs: lease, maxPeers: 2 });
    await elapse(opened, lease);
    assert.deepEqual(await store.peers(id), ["ann"]);
    assert.deepEqual(seen(await store.join(id, "cy", { maxPeers: 2 })), {
      host: "ann",
      isHost: false,
      peers: ["ann", "cy"],
    });
    assert.deepEqual(await store.refresh(id, "bob", bob.joinId), { member: false });
    assert.equal(await store.detach(id, "bob", bob.joinId), false);
    assert.deepEqual(await store.leave(id, "bob"), { left: false, hostLeft: false, peers: ["ann", "cy"] });
  });

  test("never lapses a detached member, and never stops the host's lease", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened);
    const id = sessionId("detached");
    await store.join(id, "ann", { leaseMs: lease * 40 });
    const bob = await store.join(id, "bob", { leaseMs: lease * 40 });
    assert.equal(await store.detach(id, "bob", "not-bob's"), false, "a stale joinId detaches nothing");
    assert.equal(await store.detach(id, "bob", bob.joinId), true);
    const refreshed = await store.refresh(id, "bob", bob.joinId, { leaseMs: lease / 2 });
    assert.deepEqual(refreshed, { member: true }, "a refresh keeps it detached");
    const ann = await store.join(id, "ann", { leaseMs: lease });
    assert.equal(await store.detach(id, "ann", ann.joinId), true, "the host may say so");
    await elapse(opened, lease);
    assert.deepEqual(await store.peers(id), ["ann", "bob"]);
    const cy = await store.join(id, "cy");
    assert.equal(cy.expiredHost, "ann", "the host's lease ran on");
    assert.deepEqual(cy.peers, ["cy"], "the reset removed the detached member too");
  });

  test("changes nothing on a leave, refresh or detach with a joinId that is not current", async (t) => {
    const { store } = await open(t);
    const id = sessionId("stale");
    const ann = await store.join(id, "ann");
    const old = await store.join(id, "bob");
    const current = await store.join(id, "bob");
    assert.equal(current.replaced, old.joinId);
    assert.deepEqual(await store.refresh(id, "bob", old.joinId), { member: false });
    assert.equal(await store.detach(id, "bob", old.joinId), false);
    assert.deepEqual(await store.leave(id, "bob", { joinId: old.joinId }), {
      left: false,
      hostLeft: false,
      peers: ["ann", "bob"],
    });
    assert.deepEqual(await store.leave(id, "ann", { joinId: current.joinId }), {
      left: false,
      hostLeft: false,
      peers: ["ann", "bob"],
    });
    assert.deepEqual(await store.refresh(id, "bob", current.joinId), { member: true });
    assert.deepEqual(await store.leave(id, "bob", { joinId: current.joinId }), {
      left: true,
      hostLeft: false,
      peers: ["ann"],
    });
    assert.deepEqual(await store.leave(id, "ann", { joinId: ann.joinId }), {
      left: true,
      hostLeft: true,
      peers: [],
    });
  });

  test("elects exactly one host among 30 concurrent joins after the host's lease lapsed", async (t) => {
    const opened = await open(t);
    const { store } = opened;
    const lease = leaseOf(opened);
    const id = sessionId("lapse-race");
    await store.join(id, "ann", { leaseMs: lease });
    await elapse(opened, lease);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.join(id, `p${i}`, { leaseMs: lease * 40 })),
    );
    const hosts = results.filter((result) => result.isHost);
    assert.equal(hosts.length, 1);
    assert.deepEqual(
      results.filter((result) => result.expiredHost !== undefined),
      [hosts[0]],
      "the one that found ann lapsed is the new host",
    );
    assert.equal(hosts[0]!.expiredHost, "ann");
    assert.ok(results.every((result) => result.host === hosts[0]!.host));
    assert.equal((await store.peers(id)).length, 30);
  });
}
