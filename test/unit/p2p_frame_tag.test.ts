import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { html } from "../../src/html/html.js";
import { p2pFrameTag } from "../../src/html/p2p_frame_tag.js";
import { signSessionToken, verifySessionToken } from "../../src/identity/session_token.js";
import { P2pError, Reasons } from "../../src/protocol/errors.js";
import { frameAttributes } from "../support/frame_attributes.js";

const SECRET = "unit-secret-0123456789abcdef";

describe("signSessionToken / verifySessionToken", () => {
  test("binds the session and peer for 12 hours by default", () => {
    let now = 1_700_000_000_000;
    const signer = new Signer(SECRET, { now: () => now });
    const token = signSessionToken(signer, { sessionId: "standup", peerId: "ann" });
    now += 12 * 3600_000 - 1000;
    assert.deepEqual(verifySessionToken(signer, token), { sessionId: "standup", peerId: "ann" });
    now += 1000;
    assert.throws(
      () => verifySessionToken(signer, token),
      (error: unknown) => {
        assert.ok(error instanceof P2pError);
        assert.equal(error.reason, Reasons.expiredToken);
        return true;
      },
    );
  });

  test("refuses to sign an empty or over-long id", () => {
    const signer = new Signer(SECRET);
    assert.throws(
      () => signSessionToken(signer, { sessionId: "", peerId: "ann" }),
      /sessionId must be a non-empty string/,
    );
    assert.throws(
      () => signSessionToken(signer, { sessionId: "s", peerId: "x".repeat(201) }),
      /peerId must be a non-empty string of at most 200 characters/,
    );
    assert.throws(
      () => signSessionToken(signer, { sessionId: "s", peerId: "a" }, { expiresIn: 0 }),
      /expiresIn/,
    );
  });

  test("refuses a token of another purpose or with another shape", () => {
    const signer = new Signer(SECRET);
    const room = signer.sign({ sessionId: "s", peerId: "a" }, { purpose: "room" });
    assert.throws(() => verifySessionToken(signer, room), /purpose "room", not "session"/);
    const shapeless = signer.sign({ sessionId: "s", peerId: 7 }, { purpose: "session" });
    assert.throws(
      () => verifySessionToken(signer, shapeless),
      /does not hold a \{ sessionId, peerId \} identity/,
    );
  });
});

describe("p2pFrameTag", () => {
  test("renders the frame with a verifiable token, the cable URL and the default config", () => {
    const signer = new Signer(SECRET);
    const markup = String(p2pFrameTag(signer, { sessionId: "standup", peerId: "ann" }, html`<p>hi</p>`));
    assert.match(markup, /^<p2p-frame [^>]*><p>hi<\/p><\/p2p-frame>$/);
    const attrs = frameAttributes(markup);
    assert.equal(attrs["session-id"], "standup");
    assert.equal(attrs["peer-id"], "ann");
    assert.equal(attrs["cable-url"], "/cable");
    assert.deepEqual(JSON.parse(attrs.config!), { iceServers: [], keepCableConnection: false });
    assert.deepEqual(verifySessionToken(signer, attrs.token), { sessionId: "standup", peerId: "ann" });
  });

  test("escapes every attribute and passes the config through as JSON", () => {
    const signer = new Signer(SECRET);
    const peerId = `"><script>alert('x')</script>`;
    const markup = String(
      p2pFrameTag(signer, {
        sessionId: "s&'`",
        peerId,
        cableUrl: "wss://example.test/cable?a=1&b=2",
        config: {
          iceServers: [{ urls: "turn:turn.example.test", username: "u\"'", credential: "<c>" }],
          heartbeat: { intervalMs: 200, idleTimeoutMs: 800 },
          keepCableConnection: true,
        },
      }),
    );
    assert.ok(!markup.includes("<script>"));
    assert.ok(!/="[^"]*'[^"]*"/.test(markup.replace(/="[^"]*"/g, '=""')));
    const attrs = frameAttributes(markup);
    assert.equal(attrs["peer-id"], peerId);
    assert.equal(attrs["session-id"], "s&'`");
    assert.equal(attrs["cable-url"], "wss://example.test/cable?a=1&b=2");
    assert.deepEqual(JSON.parse(attrs.config!), {
      iceServers: [{ urls: "turn:turn.example.test", username: "u\"'", credential: "<c>" }],
      heartbeat: { intervalMs: 200, idleTimeoutMs: 800 },
      keepCableConnection: true,
    });
    assert.deepEqual(verifySessionToken(signer, attrs.token), { sessionId: "s&'`", peerId });
  });

  test("passes the fault-handling options through, and refuses one that is not a positive number", () => {
    const signer = new Signer(SECRET);
    const config = {
      maxOutbox: 64,
      negotiationTimeoutMs: 8000,
      cableConnectTimeoutMs: 2000,
      resumeDelayMs: 3000,
      reconnect: { initialMs: 100, maxMs: 5000 },
      p2pRetry: { initialMs: 2000, maxMs: 30_000 },
      spareLink: false,
    };
    const markup = String(p2pFrameTag(signer, { sessionId: "s", peerId: "a", config }));
    assert.deepEqual(JSON.parse(frameAttributes(markup).config!), {
      iceServers: [],
      keepCableConnection: false,
      ...config,
    });
    assert.throws(
      () => p2pFrameTag(signer, { sessionId: "s", peerId: "a", config: { reconnect: { maxMs: 0 } } }),
      /reconnect.maxMs must be a positive number, got 0/,
    );
    assert.throws(
      () => p2pFrameTag(signer, { sessionId: "s", peerId: "a", config: { p2pRetry: { initialMs: -5 } } }),
      /p2pRetry.initialMs must be a positive number, got -5/,
    );
    assert.throws(
      () => p2pFrameTag(signer, { sessionId: "s", peerId: "a", config: { spareLink: "no" as never } }),
      /spareLink must be true or false, got "no"/,
    );
  });

  test("mints the page's own TURN credential from ice, adds it to the config's servers, never the secret", () => {
    const signer = new Signer(SECRET);
    const ice = {
      turnUrls: ["turn:10.233.0.1:3478"],
      turnSecret: "turn-secret",
      transportPolicy: "relay" as const,
    };
    const before = Date.now();
    const markup = String(
      p2pFrameTag(signer, {
        sessionId: "s",
        peerId: "ann",
        ice,
        config: { iceServers: [{ urls: "stun:10.233.0.1:3478" }], iceRestart: { disconnectedMs: 500 } },
      }),
    );
    assert.ok(!markup.includes("turn-secret"));
    const config = JSON.parse(frameAttributes(markup).config!);
    assert.equal(config.iceServers.length, 2);
    assert.deepEqual(config.iceServers[0], { urls: "stun:10.233.0.1:3478" });
    const turn = config.iceServers[1];
    assert.match(turn.username, /^\d+:ann$/);
    assert.equal(turn.credential, createHmac("sha1", "turn-secret").update(turn.username).digest("base64"));
    assert.equal(config.iceTransportPolicy, "relay");
    assert.equal(config.iceExpiresAt, Number(turn.username.split(":")[0]) * 1000);
    assert.ok(config.iceExpiresAt >= before + 3600_000 - 1000);
    assert.deepEqual(config.iceRestart, { disconnectedMs: 500 });
  });

  test("refuses a TURN URL without a secret, and a restart timeout that is not positive", () => {
    const signer = new Signer(SECRET);
    assert.throws(
      () => p2pFrameTag(signer, { sessionId: "s", peerId: "a", ice: { turnUrls: ["turn:t"] } }),
      /TURN URL "turn:t" needs a TURN secret/,
    );
    assert.throws(
      () => p2pFrameTag(signer, { sessionId: "s", peerId: "a", config: { iceRestart: { timeoutMs: 0 } } }),
      /iceRestart.timeoutMs must be a positive number, got 0/,
    );
  });

  test("refuses a heartbeat that is not a positive number", () => {
    const signer = new Signer(SECRET);
    assert.throws(
      () => p2pFrameTag(signer, { sessionId: "s", peerId: "a", config: { heartbeat: { intervalMs: -1 } } }),
      /heartbeat.intervalMs must be a positive number, got -1/,
    );
  });
});
