import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startBot } from "../../examples/bot/bot.js";
import { createDemoApp } from "../../src/demo/app.js";
import { TEST_SECRET } from "../support/cable.js";
import { joinNodePeer } from "../support/node_peer.js";

// examples/bot against the demo, with a Node peer to talk to. Both open real peer connections
// (@roamhq/wrtc): run this file through ../shared/tools/netns-run.

describe("examples/bot", () => {
  test("answers every message of the others with an echo, once, and never its own", async (t) => {
    const app = createDemoApp({ secret: TEST_SECRET, iceServers: [] });
    const base = await app.listen(0, "127.0.0.1");
    t.after(() => app.close());
    const bot = await startBot(`${base}/chat?name=bot&session=echo`);
    t.after(() => bot.close());
    const ann = await joinNodePeer(base, "ann", "echo");
    t.after(() => ann.session.close());
    await ann.allConnected(["bot", "ann"]);
    await ann.session.send("ping");
    await ann.received("bot", "echo: ping");
    await ann.session.send("pong");
    await ann.received("bot", "echo: pong");
    assert.deepEqual(ann.data, ["ann:ping", "bot:echo: ping", "ann:pong", "bot:echo: pong"]);
  });
});
