import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { createDemoApp } from "../../src/demo/app.js";
import { TEST_SECRET } from "../support/cable.js";

async function startDemo(t: TestContext): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const app = createDemoApp({ secret: TEST_SECRET });
  const base = await app.listen(0, "127.0.0.1");
  t.after(() => app.close());
  return (path, init) => fetch(base + path, { redirect: "manual", ...init });
}

const HOSTILE = "<img src=x onerror=alert(1)>";

describe("demo pages under hostile input", () => {
  test("answers a room path that is not a safe id with 404, never echoing it", async (t) => {
    const get = await startDemo(t);
    for (const id of [encodeURIComponent(HOSTILE), "a%22b", "a'b", "..%2F..%2Fetc", "x".repeat(65)]) {
      const response = await get(`/rooms/${id}`);
      assert.equal(response.status, 404, id);
      assert.ok(!(await response.text()).includes("<img"), id);
    }
  });

  test("answers hostile chat parameters as text/plain, so no browser renders the echo as HTML", async (t) => {
    const get = await startDemo(t);
    for (const query of [`keep=${encodeURIComponent(HOSTILE)}`, `interval=${encodeURIComponent(HOSTILE)}`]) {
      const response = await get(`/chat?name=ann&${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    }
    const page = await (await get(`/chat?name=${encodeURIComponent(HOSTILE)}`)).text();
    assert.ok(!page.includes("<img"));
    assert.equal(
      (await get(`/chat?name=${encodeURIComponent(HOSTILE)}`)).headers.get("x-content-type-options"),
      "nosniff",
    );
  });
});
