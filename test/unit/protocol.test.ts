import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  confirmFrame,
  dataFrame,
  disconnectFrame,
  PROTOCOL,
  parseActionData,
  parseCommand,
  parseIdentifier,
  pingFrame,
  quote,
  rejectFrame,
  selectProtocol,
  UNSUPPORTED_PROTOCOL,
  WELCOME,
} from "../../src/cable/protocol.js";

describe("parseCommand", () => {
  test("reads subscribe, unsubscribe and message commands", () => {
    const id = '{"channel":"ChatChannel"}';
    assert.deepEqual(parseCommand(JSON.stringify({ command: "subscribe", identifier: id })), {
      ok: true,
      value: { command: "subscribe", identifier: id },
    });
    assert.deepEqual(parseCommand(JSON.stringify({ command: "unsubscribe", identifier: id })), {
      ok: true,
      value: { command: "unsubscribe", identifier: id },
    });
    assert.deepEqual(
      parseCommand(JSON.stringify({ command: "message", identifier: id, data: '{"action":"x"}' })),
      {
        ok: true,
        value: { command: "message", identifier: id, data: '{"action":"x"}' },
      },
    );
  });

  test("keeps the identifier string untouched", () => {
    const id = '{ "room" : 1, "channel":"ChatChannel" }';
    const parsed = parseCommand(JSON.stringify({ command: "subscribe", identifier: id }));
    assert.ok(parsed.ok);
    assert.equal(parsed.value.identifier, id);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["invalid JSON", "{", /not JSON/],
    ["a JSON array", "[]", /not a JSON object/],
    ["null", "null", /not a JSON object/],
    ["an unknown command", '{"command":"history","identifier":"x"}', /unknown command history/],
    ["a missing command", '{"identifier":"x"}', /unknown command/],
    [
      "a non-string identifier",
      '{"command":"subscribe","identifier":{"channel":"A"}}',
      /without a string identifier/,
    ],
    ["a message whose data is an object", '{"command":"message","identifier":"x","data":{}}', /string data/],
  ];
  for (const [name, raw, error] of bad) {
    test(`refuses ${name}, saying why`, () => {
      const parsed = parseCommand(raw);
      assert.equal(parsed.ok, false);
      assert.match((parsed as { error: string }).error, error);
    });
  }

  test("quotes at most 80 characters of a hostile frame", () => {
    const parsed = parseCommand(`{${"x".repeat(10_000)}`);
    assert.equal(parsed.ok, false);
    assert.ok((parsed as { error: string }).error.length < 120);
  });
});

describe("parseIdentifier", () => {
  test("reads channel and params", () => {
    assert.deepEqual(parseIdentifier('{"channel":"ChatChannel","room":1}'), {
      ok: true,
      channel: "ChatChannel",
      params: { channel: "ChatChannel", room: 1 },
    });
  });

  for (const id of ["nope", "[]", '"ChatChannel"', "{}", '{"channel":""}', '{"channel":5}']) {
    test(`refuses the identifier ${id}`, () => {
      assert.equal(parseIdentifier(id).ok, false);
    });
  }
});

describe("parseActionData", () => {
  test("takes the action from the data and keeps it in the payload", () => {
    assert.deepEqual(parseActionData('{"action":"speak","text":"hi"}'), {
      ok: true,
      action: "speak",
      payload: { action: "speak", text: "hi" },
    });
  });

  test("defaults a missing or empty action to receive", () => {
    assert.equal((parseActionData('{"text":"hi"}') as { action: string }).action, "receive");
    assert.equal((parseActionData('{"action":""}') as { action: string }).action, "receive");
  });

  for (const data of ["{", "[]", "1", "null", '{"action":3}']) {
    test(`refuses the data ${data}`, () => {
      assert.equal(parseActionData(data).ok, false);
    });
  }
});

describe("frames", () => {
  test("welcome is exactly Rails' frame", () => {
    assert.deepEqual(JSON.parse(WELCOME), { type: "welcome" });
  });

  test("ping carries whole unix seconds", () => {
    assert.equal(pingFrame(1_732_270_000_999), '{"type":"ping","message":1732270000}');
  });

  test("confirm and reject echo the identifier verbatim", () => {
    const id = '{"room":"1","channel":"A"}';
    assert.deepEqual(JSON.parse(confirmFrame(JSON.stringify(id))), {
      identifier: id,
      type: "confirm_subscription",
    });
    assert.deepEqual(JSON.parse(rejectFrame(JSON.stringify(id))), {
      identifier: id,
      type: "reject_subscription",
    });
  });

  test("disconnect always carries reconnect as a boolean", () => {
    assert.deepEqual(JSON.parse(disconnectFrame("unauthorized", false)), {
      type: "disconnect",
      reason: "unauthorized",
      reconnect: false,
    });
    assert.deepEqual(JSON.parse(disconnectFrame("server_restart", true)), {
      type: "disconnect",
      reason: "server_restart",
      reconnect: true,
    });
  });

  test("a data frame has identifier and message and no type", () => {
    const frame = JSON.parse(dataFrame(JSON.stringify("x"), JSON.stringify("<p>hi</p>")));
    assert.deepEqual(frame, { identifier: "x", message: "<p>hi</p>" });
  });
});

describe("selectProtocol", () => {
  test("prefers actioncable-v1-json wherever it is offered", () => {
    assert.equal(selectProtocol(new Set([UNSUPPORTED_PROTOCOL, PROTOCOL])), PROTOCOL);
    assert.equal(selectProtocol(new Set([PROTOCOL, "anycable-token.abc"])), PROTOCOL);
  });

  test("falls back to the actioncable-unsupported sentinel", () => {
    assert.equal(
      selectProtocol(new Set(["actioncable-v1-msgpack", UNSUPPORTED_PROTOCOL])),
      UNSUPPORTED_PROTOCOL,
    );
  });

  test("refuses when nothing known is offered, never picking a token carrier", () => {
    assert.equal(selectProtocol(new Set(["anycable-token.abc"])), false);
    assert.equal(selectProtocol(new Set()), false);
  });
});

test("quote shortens long values and stringifies others", () => {
  assert.equal(quote("short"), "short");
  assert.equal(quote("y".repeat(100)), `${"y".repeat(80)}…`);
  assert.equal(quote(5), "5");
  assert.equal(quote(undefined), "undefined");
});
