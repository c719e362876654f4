import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Signer } from "../../src/cable/signer.js";
import {
  issueRoomClient,
  MAX_ROOM_NAME,
  ROOM_TOKEN_PURPOSE,
  roomMemberName,
  verifyRoomToken,
} from "../../src/identity/room_token.js";
import { P2pError } from "../../src/protocol/errors.js";

const signer = new Signer("unit-test-secret-0123456789");

// What no name may hold once cleaned: controls, line separators, bidi formatting, lone surrogates.
const UNCLEAN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;

function reason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof P2pError, String(error));
    return error.reason;
  }
  assert.fail("expected a P2pError");
}

describe("room member names", () => {
  test("signs the given name into the token, trimmed", () => {
    const client = issueRoomClient(signer, "r1", { name: "  Ann Lee " });
    assert.equal(client.name, "Ann Lee");
    assert.deepEqual(verifyRoomToken(signer, client.token), {
      roomId: "r1",
      clientId: client.clientId,
      name: "Ann Lee",
    });
  });

  test("names a member who gives no usable name by the first 8 characters of its client id", () => {
    for (const name of [undefined, null, "", "   ", "\u202e\u0000\t"]) {
      const client = issueRoomClient(signer, "r1", { name });
      assert.equal(client.name, client.clientId.slice(0, 8), JSON.stringify(name));
      assert.equal(verifyRoomToken(signer, client.token).name, client.clientId.slice(0, 8));
    }
  });

  test("cuts a long name to 40 code points, never splitting a surrogate pair", () => {
    assert.equal(roomMemberName("x".repeat(10_000)), "x".repeat(MAX_ROOM_NAME));
    const emoji = roomMemberName("😀".repeat(50))!;
    assert.equal([...emoji].length, MAX_ROOM_NAME);
    assert.equal(emoji, "😀".repeat(MAX_ROOM_NAME));
    assert.equal(roomMemberName(`${"a".repeat(39)} b`), "a".repeat(39));
  });

  test("removes controls, bidi overrides and lone surrogates, and collapses whitespace", () => {
    assert.equal(roomMemberName("ann\u202egnp.exe"), "anngnp.exe");
    assert.equal(roomMemberName("a\u0000b\r\nc\u0085d\u2028e"), "a b c d e");
    assert.equal(roomMemberName("\u2067عربي\u2069 ok"), "عربي ok");
    assert.equal(roomMemberName("a\ud800b\udc00"), "ab");
  });

  test("keeps markup as text: escaping is the renderer's job", () => {
    assert.equal(roomMemberName(`<script>alert("x")</script>`), `<script>alert("x")</script>`);
  });

  test("turns any string into a bounded clean name that verifies", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (raw) => {
        const name = roomMemberName(raw);
        if (name === undefined) return;
        assert.ok([...name].length <= MAX_ROOM_NAME);
        assert.equal(name, name.trim());
        assert.ok(!UNCLEAN.test(name), JSON.stringify(name));
        assert.equal(roomMemberName(name), name);
        const client = issueRoomClient(signer, "r1", { name: raw });
        assert.equal(verifyRoomToken(signer, client.token).name, name);
      }),
    );
  });

  test("reads a token signed before names existed as the short client id", () => {
    const token = signer.sign(
      { roomId: "r1", clientId: "0123456789abcdef" },
      { purpose: ROOM_TOKEN_PURPOSE },
    );
    assert.deepEqual(verifyRoomToken(signer, token), {
      roomId: "r1",
      clientId: "0123456789abcdef",
      name: "01234567",
    });
  });

  test("rejects a token whose signed name is not a clean name of at most 40 characters", () => {
    for (const name of ["x".repeat(MAX_ROOM_NAME + 1), 42, null, "", " ann", "a\u202eb", "a\nb"]) {
      const token = signer.sign({ roomId: "r1", clientId: "c1", name }, { purpose: ROOM_TOKEN_PURPOSE });
      assert.equal(
        reason(() => verifyRoomToken(signer, token)),
        "invalid_token",
        JSON.stringify(name),
      );
    }
  });
});
