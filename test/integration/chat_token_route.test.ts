import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { createDemoApp, type DemoApp } from "../../src/demo/app.js";
import { verifySessionToken } from "../../src/identity/session_token.js";
import { TEST_SECRET } from "../support/cable.js";
import { frameAttributes } from "../support/frame_attributes.js";

async function startDemo(t: TestContext): Promise<{ app: DemoApp; base: string }> {
  const app = createDemoApp({ secret: TEST_SECRET, iceServers: [] });
  const base = await app.listen(0, "127.0.0.1");
  t.after(() => app.close());
  return { app, base };
}

describe("GET /chat/token", () => {
  test("answers the page's token and config as JSON, with the cable's absolute URL", async (t) => {
    const { app, base } = await startDemo(t);
    const response = await fetch(`${base}/chat/token?name=bot&session=standup&interval=500&keep=1`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const ticket = (await response.json()) as Record<string, unknown>;
    assert.equal(ticket.cableUrl, `${base.replace("http:", "ws:")}/cable`);
    assert.equal(ticket.sessionId, "standup");
    assert.equal(ticket.peerId, "bot");
    assert.deepEqual(verifySessionToken(app.cable.signer, ticket.token), {
      sessionId: "standup",
      peerId: "bot",
    });
    const page = await (await fetch(`${base}/chat?name=bot&session=standup&interval=500&keep=1`)).text();
    assert.deepEqual(
      ticket.config,
      JSON.parse(frameAttributes(page).config!),
      "the same config as the page's",
    );
  });

  test("defaults the session to chat, as the page does", async (t) => {
    const { app, base } = await startDemo(t);
    const ticket = (await (await fetch(`${base}/chat/token?name=ann`)).json()) as { token: string };
    assert.deepEqual(verifySessionToken(app.cable.signer, ticket.token), {
      sessionId: "chat",
      peerId: "ann",
    });
  });

  test("refuses a missing or bad name, or a bad option, with a 400 JSON error naming it", async (t) => {
    const { base } = await startDemo(t);
    for (const [query, error] of [
      ["", "name is required"],
      ["name=%20", "name is required"],
      [`name=${"x".repeat(41)}`, "name must be at most 40 characters"],
      ["name=a%01b", "name must not contain control characters"],
      ["name=ann&interval=1", 'interval must be a whole number of milliseconds from 50 to 60000, got "1"'],
      [`name=ann&session=${"s".repeat(201)}`, "session must be at most 200 characters"],
    ]) {
      const response = await fetch(`${base}/chat/token?${query}`);
      assert.equal(response.status, 400, query);
      assert.deepEqual(await response.json(), { error }, query);
    }
  });
});
