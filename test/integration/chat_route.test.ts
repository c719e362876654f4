import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { createDemoApp, type DemoApp } from "../../src/demo/app.js";
import { verifySessionToken } from "../../src/identity/session_token.js";
import { TEST_SECRET } from "../support/cable.js";
import { frameAttributes } from "../support/frame_attributes.js";

async function startDemo(t: TestContext): Promise<{ app: DemoApp; get(path: string): Promise<Response> }> {
  const app = createDemoApp({ secret: TEST_SECRET });
  const base = await app.listen(0, "127.0.0.1");
  t.after(() => app.close());
  return { app, get: (path) => fetch(base + path) };
}

describe("GET /chat", () => {
  test("renders the chat for a name inside a p2p-frame whose token binds the session and the name", async (t) => {
    const { app, get } = await startDemo(t);
    const response = await get("/chat?name=ann");
    assert.equal(response.status, 200);
    const page = await response.text();
    const attrs = frameAttributes(page);
    assert.equal(attrs["session-id"], "chat");
    assert.equal(attrs["peer-id"], "ann");
    assert.equal(attrs["cable-url"], "/cable");
    assert.deepEqual(JSON.parse(attrs.config!), { iceServers: [], keepCableConnection: false });
    assert.deepEqual(verifySessionToken(app.cable.signer, attrs.token), { sessionId: "chat", peerId: "ann" });
    const inner = page.slice(page.indexOf("<p2p-frame"), page.indexOf("</p2p-frame>"));
    for (const part of [
      '<div class="chat" data-controller="chat">',
      '<ul data-chat-target="messages"',
      '<form data-action="submit->chat#send"><input data-chat-target="input" autocomplete="off"',
      "<button>Send</button></form>",
      '<ul data-chat-target="peers"',
      '<p data-chat-target="status">',
    ]) {
      assert.ok(inner.includes(part), `the frame holds ${part}`);
    }
  });

  test("escapes the name and the session everywhere on the page", async (t) => {
    const { app, get } = await startDemo(t);
    const name = `<img src=x onerror=alert(1)>"'`;
    const session = `s"><b>`;
    const page = await (
      await get(`/chat?name=${encodeURIComponent(name)}&session=${encodeURIComponent(session)}`)
    ).text();
    assert.ok(!page.includes("<img"), "no raw tag from the name");
    assert.ok(!page.includes("<b>"), "no raw tag from the session");
    assert.ok(page.includes("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;"), "the name is shown escaped");
    const attrs = frameAttributes(page);
    assert.equal(attrs["peer-id"], name);
    assert.deepEqual(verifySessionToken(app.cable.signer, attrs.token), { sessionId: session, peerId: name });
  });

  test("asks for a name when it is missing or blank, keeping the session", async (t) => {
    const { get } = await startDemo(t);
    for (const path of ["/chat", "/chat?name=", "/chat?name=%20%20&session=team%22x"]) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      const page = await response.text();
      assert.ok(!page.includes("<p2p-frame"), `${path}: no frame without a name`);
      assert.match(page, /<form method="get" action="\/chat">/);
      assert.match(page, /<input name="name" required maxlength="40"/);
    }
    const page = await (await get("/chat?session=team%22x")).text();
    assert.ok(page.includes('<input type="hidden" name="session" value="team&quot;x">'));
  });

  test("passes interval, idle and keep into the frame's config", async (t) => {
    const { get } = await startDemo(t);
    const page = await (await get("/chat?name=bob&interval=100&idle=400&keep=1")).text();
    assert.deepEqual(JSON.parse(frameAttributes(page).config!), {
      iceServers: [],
      keepCableConnection: true,
      heartbeat: { intervalMs: 100, idleTimeoutMs: 400 },
    });
    const idleOnly = await (await get("/chat?name=bob&idle=60000&keep=0")).text();
    assert.deepEqual(JSON.parse(frameAttributes(idleOnly).config!), {
      iceServers: [],
      keepCableConnection: false,
      heartbeat: { idleTimeoutMs: 60000 },
    });
  });

  test("passes policy, p2p and retry into the frame's config", async (t) => {
    const { get } = await startDemo(t);
    const page = await (await get("/chat?name=bob&policy=relay&p2p=2000&retry=1500")).text();
    assert.deepEqual(JSON.parse(frameAttributes(page).config!), {
      iceServers: [],
      keepCableConnection: false,
      iceTransportPolicy: "relay",
      p2pTimeoutMs: 2000,
      p2pRetry: { initialMs: 1500, maxMs: 1500 },
    });
  });

  test("answers 400 with a message naming the bad value", async (t) => {
    const { get } = await startDemo(t);
    const cases: Array<[string, RegExp]> = [
      [`/chat?name=${"x".repeat(41)}`, /name must be at most 40 characters/],
      ["/chat?name=a%0Ab", /name must not contain control characters/],
      [`/chat?name=a&session=${"s".repeat(201)}`, /session must be at most 200 characters/],
      [
        "/chat?name=a&interval=49",
        /interval must be a whole number of milliseconds from 50 to 60000, got "49"/,
      ],
      ["/chat?name=a&interval=60001", /interval must be .* got "60001"/],
      ["/chat?name=a&idle=1.5", /idle must be .* got "1.5"/],
      ["/chat?name=a&idle=abc", /idle must be .* got "abc"/],
      ["/chat?name=a&interval=500&idle=500", /idle \(500\) must be greater than interval \(500\)/],
      ["/chat?name=a&keep=yes", /keep must be 1 or 0, got "yes"/],
      ["/chat?name=a&retry=10", /retry must be a whole number of milliseconds from 50 to 60000, got "10"/],
    ];
    for (const [path, message] of cases) {
      const response = await get(path);
      assert.equal(response.status, 400, path);
      // The message echoes client input: it must stay plain text, never sniffed into HTML.
      assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
      assert.match(await response.text(), message);
    }
    assert.equal((await get(`/chat?name=${"é".repeat(40)}`)).status, 200, "40 characters are fine");
  });
});
