import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

// `/client` registers nothing on import (an app decides when, and with which logger); `define()`
// registers `<p2p-frame>` once. Node has no custom element registry: a stub records the calls.

const registry = new Map<string, unknown>();
const globals = globalThis as Record<string, unknown>;

afterEach(() => {
  registry.clear();
});

test("registers nothing on import, and <p2p-frame> once however often define() is called", async () => {
  globals.HTMLElement ??= class {};
  globals.customElements = {
    get: (name: string) => registry.get(name),
    define: (name: string, elementClass: unknown) => {
      if (registry.has(name)) throw new Error(`"${name}" has already been used with this registry`);
      registry.set(name, elementClass);
    },
  };
  const client = await import("../../src/client/index.js");
  assert.equal(registry.size, 0, "importing /client registered an element");
  client.define();
  client.define();
  assert.deepEqual([...registry.keys()], ["p2p-frame"]);
  assert.equal(registry.get("p2p-frame"), client.P2pFrameElement);
  assert.deepEqual(client.P2pFrameElement.defaults, {}, "frames are silent unless the app opts in");
});
