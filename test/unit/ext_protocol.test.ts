import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  confirmHistoryFrame,
  extWelcomeFrame,
  isWhisper,
  parseExtCommand,
  positionedFrame,
  rejectHistoryFrame,
  whisperFor,
  whisperPayload,
} from "../../src/cable/ext_protocol.js";
import { selectProtocol } from "../../src/cable/protocol.js";
import { MemoryHistory } from "../../src/pubsub/memory_history.js";

const ID = '{"channel":"TestChannel"}';

describe("the extended protocol's frames", () => {
  test("picks actioncable-v1-ext-json when offered, and the plain protocol otherwise", () => {
    assert.equal(selectProtocol(new Set(["actioncable-v1-ext-json"])), "actioncable-v1-ext-json");
    assert.equal(
      selectProtocol(new Set(["actioncable-v1-json", "actioncable-unsupported"])),
      "actioncable-v1-json",
    );
    assert.equal(selectProtocol(new Set(["actioncable-v1-ext-json"]), false), false);
  });

  test("parses history, on its own and inside subscribe", () => {
    const history = { since: 1700000000, streams: { "s:1": { epoch: "e", offset: 4 } } };
    const parsed = parseExtCommand(JSON.stringify({ command: "history", identifier: ID, history }));
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        command: "history",
        identifier: ID,
        history: { since: 1700000000, streams: new Map([["s:1", { epoch: "e", offset: 4 }]]) },
      },
    });
    const subscribe = parseExtCommand(JSON.stringify({ command: "subscribe", identifier: ID, history }));
    assert.equal(subscribe.ok && subscribe.value.command, "subscribe");
    assert.ok(subscribe.ok && "history" in subscribe.value);
  });

  test("takes since: false, as @anycable/web sends with its history timestamp off, as no since", () => {
    const history = { since: false, streams: { "s:1": { epoch: "e", offset: 4 } } };
    const parsed = parseExtCommand(JSON.stringify({ command: "history", identifier: ID, history }));
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        command: "history",
        identifier: ID,
        history: { streams: new Map([["s:1", { epoch: "e", offset: 4 }]]) },
      },
    });
  });

  test("keeps a plain subscribe plain, and parses pong, ping and whisper", () => {
    assert.deepEqual(parseExtCommand(JSON.stringify({ command: "subscribe", identifier: ID })), {
      ok: true,
      value: { command: "subscribe", identifier: ID },
    });
    assert.deepEqual(parseExtCommand('{"command":"pong"}'), { ok: true, value: { command: "pong" } });
    assert.deepEqual(parseExtCommand('{"command":"ping"}'), { ok: true, value: { command: "ping" } });
    assert.deepEqual(
      parseExtCommand(JSON.stringify({ command: "whisper", identifier: ID, data: { a: 1 } })),
      {
        ok: true,
        value: { command: "whisper", identifier: ID, data: { a: 1 } },
      },
    );
  });

  test("says why a history request is refused", () => {
    const bad = (history: unknown) =>
      parseExtCommand(JSON.stringify({ command: "history", identifier: ID, history }));
    assert.match((bad({ since: "yesterday" }) as { error: string }).error, /since is not a number/);
    assert.match((bad({ streams: { s: { offset: 1 } } }) as { error: string }).error, /needs an epoch/);
    assert.match(
      (bad({ streams: { s: { epoch: "e", offset: -1 } } }) as { error: string }).error,
      /needs an epoch/,
    );
    assert.match((bad([]) as { error: string }).error, /not an object/);
    const noId = parseExtCommand('{"command":"history"}');
    assert.match((noId as { error: string }).error, /without a string identifier/);
  });

  test("builds welcome, positioned broadcasts and history answers", () => {
    assert.equal(extWelcomeFrame("abc"), '{"type":"welcome","sid":"abc"}');
    assert.deepEqual(JSON.parse(extWelcomeFrame("new", [ID])), {
      type: "welcome",
      sid: "new",
      restored: true,
      restored_ids: [ID],
    });
    assert.deepEqual(
      JSON.parse(positionedFrame(JSON.stringify(ID), '{"n":1}', "s:1", { epoch: "e", offset: 7 })),
      {
        identifier: ID,
        message: { n: 1 },
        stream_id: "s:1",
        epoch: "e",
        offset: 7,
      },
    );
    assert.deepEqual(JSON.parse(confirmHistoryFrame(JSON.stringify(ID))), {
      identifier: ID,
      type: "confirm_history",
    });
    assert.deepEqual(JSON.parse(rejectHistoryFrame(JSON.stringify(ID))), {
      identifier: ID,
      type: "reject_history",
    });
  });

  test("marks whispers so that their sender does not get them back", () => {
    const payload = whisperPayload("c1", '{"typing":true}');
    assert.ok(isWhisper(payload));
    assert.ok(!isWhisper('{"typing":true}'));
    assert.equal(whisperFor("c1", payload), undefined);
    assert.equal(whisperFor("c2", payload), '{"typing":true}');
  });
});

describe("MemoryHistory", () => {
  test("gives what follows an offset, and refuses a wrong epoch, a future offset or a trimmed one", () => {
    let now = 1_000_000;
    const history = new MemoryHistory(3, 10_000, () => now);
    const positions = [1, 2, 3, 4, 5].map((n) => history.append("s", `{"n":${n}}`));
    const { epoch } = positions[0]!;
    assert.deepEqual(
      positions.map((p) => p.offset),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      history.read("s", { epoch, offset: 3 })?.map((e) => e.payload),
      ['{"n":4}', '{"n":5}'],
    );
    assert.deepEqual(history.read("s", { epoch, offset: 5 }), []);
    assert.equal(history.read("s", { epoch: "other", offset: 3 }), undefined);
    assert.equal(history.read("s", { epoch, offset: 6 }), undefined);
    assert.equal(history.read("s", { epoch, offset: 1 }), undefined, "2 was trimmed: the limit is 3");
    now += 11_000;
    assert.equal(history.read("s", { epoch, offset: 3 }), undefined, "too old");
    history.close();
  });

  test("reads by time for a stream without an offset, and starts a new epoch per stream", () => {
    let now = 5_000_000;
    const history = new MemoryHistory(100, 60_000, () => now);
    history.append("s", "1");
    now += 2000;
    history.append("s", "2");
    assert.deepEqual(
      history.read("s", { since: (now - 1000) / 1000 })?.map((e) => e.payload),
      ["2"],
    );
    assert.deepEqual(history.read("unknown", { since: 0 }), []);
    assert.notEqual(history.append("t", "x").epoch, undefined);
    history.close();
  });
});
