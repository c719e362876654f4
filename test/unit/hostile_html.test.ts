import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { chatNameView, chatView } from "../../src/demo/views/chat.js";
import { layout } from "../../src/demo/views/layout.js";
import { roomView } from "../../src/demo/views/room.js";
import { escapeHtml, html } from "../../src/html/html.js";
import { mediumPartial, mediumStatePartial } from "../../src/html/medium_partial.js";
import { p2pFrameTag } from "../../src/html/p2p_frame_tag.js";
import { actionCableMetaTag, turboStreamFrom } from "../../src/html/tags.js";
import { type TurboStreamAction, turboStream, turboStreams } from "../../src/html/turbo_stream.js";

const signer = new Signer("unit-test-secret-0123456789");

/** Values an attacker picks for a name, an id or a target. */
const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  `"><script>alert(1)</script>`,
  `' onmouseover='alert(1)`,
  "` onfocus=`alert(1)",
  "&lt;already-escaped&gt; &amp;",
  `</template></turbo-stream><turbo-stream action="remove" target="media">`,
];

// Signed values (tokens, stream names) differ with their input: compare the markup around them.
const SIGNED = /(token|signed-stream-name|data-room-token-value)="[^"]*"/g;

/**
 * Proves that `render` escapes every interpolation of `value`: the markup rendered with the
 * hostile value equals the markup rendered with a plain word, once each escaped copy of the
 * hostile value is put back as that word. A raw copy anywhere, or a quote that broke out of
 * an attribute, would leave a difference.
 */
function assertEscaped(render: (value: string) => string): void {
  const plain = render("WORD").replace(SIGNED, "$1=SIGNED");
  for (const value of HOSTILE) {
    const markup = render(value);
    assert.ok(!markup.includes(value) || escapeHtml(value) === value, `raw ${value} in ${markup}`);
    const restored = markup.split(escapeHtml(value)).join("WORD").replace(SIGNED, "$1=SIGNED");
    assert.equal(restored, plain, `escaping of ${value}`);
  }
}

describe("hostile values in server-rendered HTML", () => {
  test("Turbo Stream targets and targets selectors", () => {
    for (const action of ["append", "prepend", "replace", "update", "before", "after"] as const) {
      assertEscaped((v) => turboStreams[action](v, html`<p>${v}</p>`));
    }
    assertEscaped((v) => turboStreams.remove(v));
    assertEscaped((v) => turboStream("update", { targets: `.m[data-x="${v}"]` }, html`<i>${v}</i>`));
  });

  test("Turbo Stream refuses an action it does not know instead of interpolating it", () => {
    assert.throws(
      () => turboStream('append" onload="alert(1)' as TurboStreamAction, { target: "m" }, html``),
      /Unknown turbo-stream action "append\\" onload=\\"alert\(1\)"/,
    );
    assert.throws(() => turboStream("morph" as TurboStreamAction, { target: "m" }, html``), /Unknown/);
    assert.throws(
      () => turboStream("replace", { target: "m", method: '"><b>' as "morph" }, html``),
      /Unknown turbo-stream method/,
    );
  });

  test("the medium partial of a room member: its id, its name and its state badges", () => {
    assertEscaped((v) => mediumPartial(v, { name: "ann" }).toString());
    assertEscaped((v) => turboStreams.append("media", mediumPartial(v, { name: "ann", reply: true })));
    assertEscaped((v) => mediumPartial("c", { name: v }).toString());
    const state = { muted: true, cameraOff: true };
    assertEscaped((v) => turboStreams.append("media", mediumPartial("c", { name: v, state })));
    assertEscaped((v) => turboStreams.replace(`medium-state_${v}`, mediumStatePartial(v, state)));
  });

  test("p2p-frame attributes, its inner markup and its config", () => {
    assertEscaped((v) => p2pFrameTag(signer, { sessionId: v, peerId: "ann" }).toString());
    assertEscaped((v) => p2pFrameTag(signer, { sessionId: "s", peerId: v }).toString());
    assertEscaped((v) => p2pFrameTag(signer, { sessionId: "s", peerId: "p", cableUrl: v }).toString());
    assertEscaped((v) => p2pFrameTag(signer, { sessionId: "s", peerId: "p" }, html`<b>${v}</b>`).toString());
    const ice = [{ urls: `turn:x"><img src=x onerror=alert(1)>`, username: `'"`, credential: "<&>" }];
    const markup = p2pFrameTag(signer, {
      sessionId: "s",
      peerId: "p",
      config: { iceServers: ice },
    }).toString();
    assert.ok(!markup.includes("<img"));
    const config = /config="([^"]*)"/.exec(markup)![1]!;
    const decoded = config
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    assert.deepEqual(JSON.parse(decoded).iceServers, ice);
  });

  test("turbo-cable-stream-source and the cable meta tag", () => {
    assertEscaped((v) => turboStreamFrom(signer, v).toString());
    assertEscaped((v) => turboStreamFrom(signer, ["room", v]).toString());
    assertEscaped((v) => actionCableMetaTag(v).toString());
  });

  test("every demo page: layout title, chat, name form and room", () => {
    assertEscaped((v) => layout({ title: v, body: html`<p>${v}</p>` }).toString());
    assertEscaped((v) => chatView(signer, { name: v, sessionId: "s", config: {} }).toString());
    assertEscaped((v) => chatView(signer, { name: "ann", sessionId: v, config: {} }).toString());
    assertEscaped((v) => chatNameView(v, 40).toString());
    assertEscaped((v) =>
      roomView(signer, { roomId: "r1", clientId: v, name: "ann", token: "t" }, []).toString(),
    );
    assertEscaped((v) =>
      roomView(signer, { roomId: "r1", clientId: "c", name: v, token: "t" }, []).toString(),
    );
    assertEscaped((v) => roomView(signer, { roomId: "r1", clientId: "c", token: v }, []).toString());
    const room = roomView(signer, { roomId: "r1", clientId: "c", token: "t" }, [
      { urls: `"><img src=x>` },
    ]).toString();
    assert.ok(!room.includes("<img"));
    assert.ok(
      room.includes(
        'data-room-ice-servers-value="[{&quot;urls&quot;:&quot;\\&quot;&gt;&lt;img src=x&gt;&quot;}]"',
      ),
    );
  });
});
