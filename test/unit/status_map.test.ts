import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StatusMap } from "../../src/client/session/status_map.js";

describe("StatusMap", () => {
  test("returns a delta for a change and null for none", () => {
    const map = new StatusMap({ h: "connected" });
    assert.deepEqual(map.set("bob", "negotiating"), { bob: "negotiating" });
    assert.equal(map.set("bob", "negotiating"), null);
    assert.deepEqual(map.remove("bob"), { bob: null });
    assert.equal(map.remove("bob"), null);
    assert.deepEqual(map.states, { h: "connected" });
  });

  test("merges deltas: a state sets, null removes", () => {
    const map = new StatusMap({ h: "connected", bob: "connected" });
    assert.equal(map.apply({ cid: "negotiating", bob: null }), true);
    assert.deepEqual(map.states, { h: "connected", cid: "negotiating" });
    assert.equal(map.apply({ cid: "negotiating" }), false);
  });

  test("skips what is not a state, and takes __proto__ as a plain peer id", () => {
    const map = new StatusMap();
    const delta = JSON.parse('{"__proto__":"connected","x":"bogus","y":7}');
    assert.equal(map.apply(delta), true);
    assert.deepEqual(Object.keys(map.states), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(map.states), Object.prototype);
    assert.equal(map.apply("not an object" as never), false);
  });
});
