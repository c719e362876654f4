import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Registry } from "prom-client";
import { CableServer } from "../../src/cable/server.js";
import { createDemoApp, type DemoApp } from "../../src/demo/app.js";
import { issueRoomClient } from "../../src/identity/room_token.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import { cableMetrics } from "../../src/server/cable_metrics.js";
import { identifier, RawClient, recordingLogger, TEST_SECRET } from "../support/cable.js";
import { parseExposition, scrapeUntil } from "../support/metrics_scrape.js";

// Real ws clients against the demo app, then GET /metrics: every counter named in docs/reference.md moves.

describe("GET /metrics on the demo", () => {
  let app: DemoApp;
  let base: string;
  let cableUrl: string;
  const logger = recordingLogger();

  before(async () => {
    app = createDemoApp({ secret: TEST_SECRET, logger, iceServers: [] });
    base = await app.listen(0, "127.0.0.1");
    cableUrl = `${base.replace("http", "ws")}/cable`;
  });
  after(() => app.close());

  const session = (sessionId: string, peerId: string) =>
    identifier({
      channel: "SignalingChannel",
      token: signSessionToken(app.cable.signer, { sessionId, peerId }),
    });

  test("counts connections, subscriptions, sessions, rooms, messages and rejects by reason", async () => {
    const before = parseExposition(await app.metrics.metrics());
    assert.equal(before.value("p2p_connections"), 0);
    assert.equal(before.value("p2p_subscriptions", { channel: "SignalingChannel" }), 0);

    const ann = await RawClient.connect(cableUrl);
    const bob = await RawClient.connect(cableUrl);
    const cy = await RawClient.connect(cableUrl);
    await ann.subscribed(session("standup", "ann"));
    await bob.subscribed(session("standup", "bob"));
    await cy.subscribed(session("retro", "cy"));
    const room = identifier({ channel: "RoomChannel", token: issueRoomClient(app.cable.signer, "r1").token });
    await cy.subscribed(room);
    ann.perform(session("standup", "ann"), { action: "join" });
    await ann.next((f) => (f.message as { type?: string })?.type === "ready", "ann's ready");

    const forged = identifier({ channel: "SignalingChannel", token: "forged--token" });
    ann.subscribe(forged);
    await ann.next((f) => f.type === "reject_subscription" && f.identifier === forged, "reject of forged");
    const unknown = identifier({ channel: "NoSuchChannel" });
    ann.subscribe(unknown);
    await ann.next((f) => f.type === "reject_subscription" && f.identifier === unknown, "reject of unknown");
    const refused = new RawClient(cableUrl, { origin: "http://evil.example" });
    assert.equal((await refused.closed).code, 1006);

    const during = await scrapeUntil(
      `${base}/metrics`,
      "three sockets with their subscriptions",
      (s) => s.value("p2p_connections") === 3,
    );
    assert.equal(during.value("p2p_connections_opened_total"), 3);
    assert.equal(during.value("p2p_subscriptions", { channel: "SignalingChannel" }), 3);
    assert.equal(during.value("p2p_subscriptions", { channel: "RoomChannel" }), 1);
    assert.equal(during.value("p2p_sessions"), 2);
    assert.equal(during.value("p2p_rooms"), 1);
    // 4 subscribes, 1 join, 2 refused subscribes; the server sent at least the confirms, ready and rejects.
    assert.equal(during.value("p2p_messages_received_total"), 7);
    assert.ok(during.value("p2p_messages_sent_total")! >= 4 + 1 + 2, during.text);
    assert.ok(during.value("p2p_received_bytes_total")! > 7 * 40, during.text);
    assert.equal(
      during.value("p2p_rejects_total", {
        stage: "subscription",
        reason: "invalid_token",
        channel: "SignalingChannel",
      }),
      1,
    );
    assert.equal(
      during.value("p2p_rejects_total", {
        stage: "subscription",
        reason: "unknown_channel",
        channel: "unknown",
      }),
      1,
    );
    assert.equal(
      during.value("p2p_rejects_total", { stage: "upgrade", reason: "forbidden_origin", channel: "" }),
      1,
    );

    ann.close();
    cy.close();
    const afterwards = await scrapeUntil(
      `${base}/metrics`,
      "ann and cy gone",
      (s) => s.value("p2p_connections") === 1,
    );
    assert.equal(afterwards.value("p2p_disconnects_total", { reason: "client" }), 2);
    assert.equal(afterwards.value("p2p_subscriptions", { channel: "SignalingChannel" }), 1);
    assert.equal(afterwards.value("p2p_subscriptions", { channel: "RoomChannel" }), 0);
    assert.equal(afterwards.value("p2p_sessions"), 1, "bob still holds standup");
    assert.equal(afterwards.value("p2p_rooms"), 0);
    bob.close();
    await scrapeUntil(`${base}/metrics`, "no session left", (s) => s.value("p2p_sessions") === 0);
    assert.deepEqual(
      logger.lines.filter((l) => l.level === "error"),
      [],
    );
  });
});

describe("cableMetrics", () => {
  test("counts server-side disconnects for cause as connection rejects, and stops when told", async (t) => {
    const registry = new Registry();
    const cable = new CableServer({ channels: [], secret: TEST_SECRET, authenticate: () => null });
    const metrics = cableMetrics(cable, registry);
    const port = await cable.listen(0);
    t.after(() => cable.close());
    const url = `ws://127.0.0.1:${port}/cable`;

    const turnedAway = await RawClient.open(url);
    await turnedAway.next((f) => f.type === "disconnect", "the unauthorized disconnect");
    await turnedAway.closed;
    const read = async () => parseExposition(await metrics.metrics());
    const deadline = Date.now() + 5000;
    while ((await read()).value("p2p_connections") !== 0) {
      assert.ok(Date.now() < deadline, "the socket never left the server");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const once = await read();
    assert.equal(
      once.value("p2p_rejects_total", { stage: "connection", reason: "unauthorized", channel: "" }),
      1,
    );
    assert.equal(once.value("p2p_disconnects_total", { reason: "unauthorized" }), 1);

    metrics.stop();
    const again = await RawClient.open(url);
    await again.closed;
    assert.equal((await read()).value("p2p_connections_opened_total"), 1, "stopped metrics counted a socket");
  });
});
