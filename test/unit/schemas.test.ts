import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAction } from "../../src/channels/schemas/parse_action.js";
import { greetAction, mediaAction, roomSignalAction } from "../../src/channels/schemas/room_actions.js";
import {
  dropAction,
  emptyAction,
  joinAction,
  signalAction,
} from "../../src/channels/schemas/session_actions.js";
import { tokenParamsProblem, turboStreamParams } from "../../src/channels/schemas/subscribe_params.js";
import { P2pError } from "../../src/protocol/errors.js";

function refusal(schema: Parameters<typeof parseAction>[0], data: unknown): string {
  try {
    parseAction(schema, data);
  } catch (error) {
    assert.ok(error instanceof P2pError, `expected a P2pError, got ${error}`);
    assert.equal(error.reason, "invalid_message");
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(data)} to be refused`);
}

describe("session action schemas", () => {
  test("rebuild a signal from its known fields only, dropping from and extras", () => {
    const parsed = parseAction(signalAction, {
      action: "signal",
      to: "bob",
      from: "mallory",
      signal: {
        type: "candidate",
        from: "mallory",
        candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0", extra: "<b>" },
      },
    });
    assert.deepEqual(parsed, {
      to: "bob",
      signal: {
        type: "candidate",
        candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0" },
      },
    });
  });

  test("name the action and the field in their messages", () => {
    assert.match(refusal(signalAction, { signal: {} }), /^signal needs "to": a peer id, got nothing$/);
    assert.match(
      refusal(signalAction, { to: "b", signal: [] }),
      /signal needs "signal": an object, got \[\]/,
    );
    assert.match(
      refusal(signalAction, { to: "b", signal: { type: "hack" } }),
      /signal type must be "offer", "answer" or "candidate", got "hack"/,
    );
    assert.match(
      refusal(signalAction, { to: "b", signal: { type: "answer", sdp: "" } }),
      /answer needs "sdp"/,
    );
    assert.match(
      refusal(signalAction, { to: "b", signal: { type: "candidate" } }),
      /candidate needs "candidate": an RTCIceCandidateInit or null/,
    );
    assert.match(
      refusal(signalAction, {
        to: "b",
        signal: { type: "candidate", candidate: { candidate: "c", sdpMLineIndex: 1.5 } },
      }),
      /candidate\.sdpMLineIndex must be a integer or null/,
    );
    assert.match(refusal(dropAction, { peer: 7 }), /drop needs "peer": a peer id, got 7/);
    assert.match(
      refusal(joinAction, { action: "join", peerId: "x" }),
      /join takes only "resume", got "peerId"/,
    );
    assert.match(refusal(joinAction, { resume: false }), /join "resume" must be true, got false/);
    assert.match(refusal(emptyAction("leave"), { peer: "x" }), /leave takes no data, got "peer"/);
    assert.match(refusal(dropAction, { peer: "b", joinId: 7 }), /drop "joinId" must be a join id, got 7/);
  });

  test("accept join with or without resume, and drop with or without joinId", () => {
    assert.deepEqual(parseAction(joinAction, { action: "join" }), { action: "join" });
    assert.deepEqual(parseAction(joinAction, { resume: true }), { resume: true });
    assert.deepEqual(parseAction(dropAction, { peer: "b", joinId: "j-1", from: "x" }), {
      peer: "b",
      joinId: "j-1",
    });
  });

  test("accept an empty action with or without the action field", () => {
    assert.deepEqual(parseAction(emptyAction("leave"), { action: "leave" }), { action: "leave" });
    assert.deepEqual(parseAction(emptyAction("leave"), {}), {});
  });
});

describe("room action schemas", () => {
  test("refuse a to that is not a safe id, and a reply that is not a boolean", () => {
    assert.match(
      refusal(greetAction, { to: '"><img src=x onerror=alert(1)>' }),
      /greet needs "to": a client id/,
    );
    assert.match(refusal(greetAction, { to: "a", reply: "yes" }), /greet "reply" must be true or false/);
    assert.deepEqual(parseAction(greetAction, { to: "a", reply: true, from: "x" }), { to: "a", reply: true });
  });

  test("want both media booleans, and keep nothing else", () => {
    assert.deepEqual(
      parseAction(mediaAction, { action: "media", muted: true, cameraOff: false, from: "x", html: "<b>" }),
      { muted: true, cameraOff: false },
    );
    assert.match(
      refusal(mediaAction, { cameraOff: true }),
      /media "muted" must be true or false, got nothing/,
    );
    assert.match(refusal(mediaAction, { muted: false, cameraOff: "yes" }), /media "cameraOff" .* got "yes"/);
    assert.match(refusal(mediaAction, { muted: 0, cameraOff: false }), /media "muted" .* got 0/);
  });

  test("want a description or a candidate, and check each", () => {
    assert.match(refusal(roomSignalAction, { to: "a" }), /signal needs a description or a candidate/);
    assert.match(
      refusal(roomSignalAction, { to: "a", description: { type: "bogus" } }),
      /description type must be offer, answer, pranswer or rollback, got "bogus"/,
    );
    assert.match(
      refusal(roomSignalAction, { to: "a", description: "offer" }),
      /description must be an RTCSessionDescriptionInit, got "offer"/,
    );
    assert.deepEqual(parseAction(roomSignalAction, { to: "a", description: { type: "rollback" } }), {
      to: "a",
      description: { type: "rollback" },
    });
  });
});

describe("subscribe params", () => {
  test("a token channel takes channel and token only, and a bad token is invalid_token", () => {
    assert.equal(tokenParamsProblem({ channel: "SignalingChannel", token: "t" }), undefined);
    assert.deepEqual(tokenParamsProblem({ channel: "SignalingChannel", token: "t", sessionId: "s2" }), {
      reason: "invalid_params",
      message: 'identifier takes only "channel" and "token", got "sessionId"',
    });
    assert.equal(tokenParamsProblem({ channel: "RoomChannel", token: 42 })?.reason, "invalid_token");
    assert.equal(tokenParamsProblem({ channel: "RoomChannel" })?.reason, "invalid_token");
    assert.equal(
      tokenParamsProblem({ channel: "RoomChannel", token: "x".repeat(20_000) })?.reason,
      "invalid_token",
    );
  });

  test("Turbo params keep the data attributes turbo-rails adds, and need a string name", () => {
    const params = { channel: "Turbo::StreamsChannel", signed_stream_name: "n--d", data_x: "1" };
    assert.deepEqual(turboStreamParams.parse(params), params);
    assert.equal(
      turboStreamParams.safeParse({ channel: "Turbo::StreamsChannel", signed_stream_name: 1 }).success,
      false,
    );
  });
});
