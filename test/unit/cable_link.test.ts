import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Backoff } from "../../src/client/session/backoff.js";
import { CableLink } from "../../src/client/session/cable_link.js";
import type { SignalingMessage as ServerMessage } from "../../src/protocol/session_messages.js";
import { FakeClock } from "../../src/testing/fake_clock.js";
import { FakeConsumer } from "../../src/testing/fake_consumer.js";
import { TestLogger } from "../../src/testing/test_logger.js";

// random 0.5 with a 200 ms first ceiling: reconnect delays of 100, 200, 400, … ms.
function cableLink() {
  const clock = new FakeClock();
  const cable = FakeConsumer.factory();
  const logger = new TestLogger();
  const backoff = new Backoff({ initialMs: 200, maxMs: 1000 }, () => 0.5);
  const subscribed: number[] = [];
  const received: ServerMessage[] = [];
  const rejected: Array<[string, string]> = [];
  const link = new CableLink({
    token: "signed",
    cableUrl: "/cable",
    createConsumer: cable.createConsumer,
    logger,
    clock,
    backoff,
    connectTimeoutMs: 3000,
    subscribed: () => subscribed.push(clock.now()),
    received: (message) => received.push(message),
    rejected: (reason, message) => rejected.push([reason, message]),
  });
  return { clock, cable, logger, backoff, link, subscribed, received, rejected };
}

describe("CableLink", () => {
  test("subscribes to SignalingChannel with the token and reports the confirmation", () => {
    const { cable, link, subscribed } = cableLink();
    link.attach();
    const subscription = cable.last().subscription!;
    assert.deepEqual(subscription.params, { channel: "SignalingChannel", token: "signed" });
    assert.equal(cable.last().url, "/cable");
    assert.equal(link.connected, false);
    subscription.connected();
    assert.deepEqual(subscribed, [0]);
    assert.equal(link.connected, true);
  });

  test("reports one confirmation per socket when the server confirms a re-sent subscribe twice", () => {
    const { cable, link, subscribed } = cableLink();
    link.attach();
    const subscription = cable.last().subscription!;
    subscription.connected();
    subscription.connected();
    assert.deepEqual(subscribed, [0], "one join, not two");
    assert.equal(cable.consumers.length, 1);
  });

  test("performs nothing before the subscription is confirmed", () => {
    const { cable, link } = cableLink();
    link.attach();
    assert.equal(link.perform("join"), false);
    cable.last().subscription!.connected();
    assert.equal(link.perform("join", { resume: true }), true);
    assert.deepEqual(cable.last().subscription!.performed, [{ action: "join", data: { resume: true } }]);
  });

  test("attaches a fresh consumer after a backoff delay when the socket is lost", () => {
    const { clock, cable, link, subscribed } = cableLink();
    link.attach();
    cable.last().subscription!.connected();
    cable.last().subscription!.disconnected();
    assert.equal(
      cable.consumers[0]!.closed,
      true,
      "the lost consumer is dropped, not left to reconnect itself",
    );
    assert.equal(link.attached, false);
    clock.advance(99);
    assert.equal(cable.consumers.length, 1);
    clock.advance(1);
    assert.equal(cable.consumers.length, 2);
    cable.last().subscription!.connected();
    assert.deepEqual(subscribed, [0, 100]);
  });

  test("drops a fresh consumer not connected within the connect timeout and tries again", () => {
    const { clock, cable, link, logger } = cableLink();
    link.attach();
    clock.advance(2999);
    assert.equal(cable.consumers[0]!.closed, false);
    clock.advance(1);
    assert.equal(cable.consumers[0]!.closed, true);
    assert.ok(logger.has("info", "not connected in time"));
    clock.advance(100);
    assert.equal(cable.consumers.length, 2);
    clock.advance(3000);
    assert.equal(cable.consumers[1]!.closed, true, "the second try timed out too");
    clock.advance(199);
    assert.equal(cable.consumers.length, 2, "the delay doubled");
    clock.advance(1);
    assert.equal(cable.consumers.length, 3);
  });

  test("ignores what a dropped consumer reports", () => {
    const { clock, cable, link, subscribed, received } = cableLink();
    link.attach();
    const old = cable.last().subscription!;
    old.disconnected();
    clock.advance(100);
    old.connected();
    old.received({ type: "peer-left", peer: "x" });
    old.disconnected();
    assert.deepEqual(subscribed, []);
    assert.deepEqual(received, []);
    cable.last().subscription!.connected();
    assert.deepEqual(subscribed, [100]);
    clock.advance(10_000);
    assert.equal(cable.consumers.length, 2, "a late disconnected from the old consumer schedules nothing");
  });

  test("never reconnects after detach, close or abandon", () => {
    for (const end of ["detach", "close", "abandon"] as const) {
      const { clock, cable, link } = cableLink();
      link.attach();
      cable.last().subscription!.connected();
      link[end]();
      cable.consumers[0]!.subscription!.disconnected();
      clock.advance(60_000);
      assert.equal(cable.consumers.length, 1, `${end}: no new consumer`);
      assert.equal(link.attached, false);
    }
  });

  test("stops a pending reconnect when detached meanwhile", () => {
    const { clock, cable, link } = cableLink();
    link.attach();
    cable.last().subscription!.disconnected();
    link.detach();
    clock.advance(60_000);
    assert.equal(cable.consumers.length, 1);
  });

  test("leaves and unsubscribes on close, and says nothing on abandon", () => {
    const closing = cableLink();
    closing.link.attach();
    closing.cable.last().subscription!.connected();
    closing.link.close();
    assert.deepEqual(closing.cable.last().subscription!.actions, ["leave"]);
    assert.equal(closing.cable.last().subscription!.unsubscribed, true);
    assert.equal(closing.cable.last().closed, true);

    const abandoning = cableLink();
    abandoning.link.attach();
    abandoning.cable.last().subscription!.connected();
    abandoning.link.abandon();
    assert.deepEqual(abandoning.cable.last().subscription!.actions, []);
    assert.equal(abandoning.cable.last().subscription!.unsubscribed, false);
    assert.equal(abandoning.cable.last().closed, true);
  });

  test("performs detach before closing the socket", () => {
    const { cable, link } = cableLink();
    link.attach();
    cable.last().subscription!.connected();
    link.detach();
    assert.deepEqual(cable.last().subscription!.actions, ["detach"]);
    assert.equal(cable.last().closed, true);
  });

  test("waits for the pending reconnect when attached again meanwhile", () => {
    const { clock, cable, link } = cableLink();
    link.attach();
    cable.last().subscription!.disconnected();
    link.attach();
    assert.equal(cable.consumers.length, 1, "no consumer before the backoff delay");
    clock.advance(100);
    assert.equal(cable.consumers.length, 2);
  });

  test("reports a rejection with the reason of the error before it, and does not reconnect", () => {
    const { clock, cable, link, rejected, received } = cableLink();
    link.attach();
    const subscription = cable.last().subscription!;
    subscription.received({ type: "error", reason: "expired_token", message: "Token expired" });
    subscription.rejected();
    assert.deepEqual(rejected, [["expired_token", "Token expired"]]);
    assert.equal(received.length, 1);
    clock.advance(60_000);
    assert.equal(cable.consumers.length, 1);
  });

  test("passes ready with joinId and resume, and ignores malformed messages with a warning", () => {
    const { cable, link, received, logger } = cableLink();
    link.attach();
    const subscription = cable.last().subscription!;
    subscription.received({
      type: "ready",
      host: "h",
      peer: "c",
      peers: ["h", "c"],
      joinId: "j1",
      resume: true,
    });
    subscription.received({ type: "ready", host: "h", peer: "c", peers: ["h", "c"], joinId: 7 });
    subscription.received({ type: "signal", from: "h" });
    assert.deepEqual(received, [
      { type: "ready", host: "h", peer: "c", peers: ["h", "c"], joinId: "j1", resume: true },
    ]);
    assert.equal(logger.find("malformed", "warn").length, 2);
  });
});
