import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Signer } from "../../src/cable/signer.js";
import { attributes, escapeHtml, html, SafeHtml, unsafeRaw } from "../../src/html/html.js";
import { actionCableMetaTag, turboStreamFrom } from "../../src/html/tags.js";
import { turboStream, turboStreams } from "../../src/html/turbo_stream.js";

const SECRET = "unit-test-secret-0123456789";

describe("html", () => {
  test("escapes every interpolation", () => {
    const name = `<script>alert("x")</script> & 'y' \``;
    assert.equal(
      html`<p title="${name}">${name}</p>`.toString(),
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;">' +
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;</p>",
    );
  });

  test("leaves unsafeRaw and nested html as they are", () => {
    const inner = html`<b>${"<i>"}</b>`;
    assert.equal(html`<p>${inner}${unsafeRaw("<hr>")}</p>`.toString(), "<p><b>&lt;i&gt;</b><hr></p>");
  });

  test("joins arrays and renders null, undefined and false as nothing", () => {
    assert.equal(html`<ul>${["<a>", html`<li>b</li>`]}</ul>`.toString(), "<ul>&lt;a&gt;<li>b</li></ul>");
    assert.equal(html`[${null}${undefined}${false}${0}]`.toString(), "[0]");
  });

  test("serialises to its markup in JSON, as a broadcast string", () => {
    assert.equal(JSON.stringify({ m: html`<p>${"&"}</p>` }), '{"m":"<p>&amp;</p>"}');
  });

  test("escapeHtml stringifies non-strings", () => {
    assert.equal(escapeHtml(5), "5");
    assert.equal(escapeHtml(null), "");
  });

  test("attributes escape values, render booleans and refuse bad names", () => {
    assert.equal(
      attributes({ id: 'a"b', hidden: true, disabled: false, title: null }).toString(),
      'id="a&quot;b" hidden',
    );
    assert.throws(() => attributes({ 'onload="x"': 1 }), /invalid attribute name/);
  });
});

describe("turbo streams", () => {
  const content = html`<p id="m1">${"<hi>"}</p>`;

  for (const action of ["append", "prepend", "replace", "update", "before", "after"] as const) {
    test(`renders ${action} with a template, as Rails does`, () => {
      assert.equal(
        turboStreams[action]("messages", content),
        `<turbo-stream action="${action}" target="messages"><template><p id="m1">&lt;hi&gt;</p></template></turbo-stream>`,
      );
    });
  }

  test("renders remove without a template", () => {
    assert.equal(turboStreams.remove("m1"), '<turbo-stream action="remove" target="m1"></turbo-stream>');
  });

  test("escapes the target and supports targets and method morph", () => {
    assert.equal(
      turboStream("replace", { targets: '.a[data-x="1"]', method: "morph" }, content),
      '<turbo-stream action="replace" targets=".a[data-x=&quot;1&quot;]" method="morph"><template><p id="m1">&lt;hi&gt;</p></template></turbo-stream>',
    );
    assert.match(turboStreams.remove('"><script>'), /target="&quot;&gt;&lt;script&gt;"/);
  });

  test("refuses content that is not SafeHtml", () => {
    assert.throws(() => turboStream("append", { target: "m" }, "<b>raw</b>"), /SafeHtml/);
  });

  test("refuses an action without target or targets", () => {
    assert.throws(() => turboStream("append", {}, content), /needs a target/);
  });
});

describe("tags", () => {
  test("turboStreamFrom renders the element turbo-rails renders, with a verifiable signed name", () => {
    const signer = new Signer(SECRET);
    const markup = turboStreamFrom(signer, "room:42");
    assert.ok(markup instanceof SafeHtml);
    const found =
      /^<turbo-cable-stream-source channel="Turbo::StreamsChannel" signed-stream-name="([^"]+)"><\/turbo-cable-stream-source>$/.exec(
        markup.toString(),
      );
    assert.ok(found, markup.toString());
    assert.match(found[1]!, /^InJvb206NDIi--[0-9a-f]{64}$/);
    assert.equal(signer.verifyStreamName(found[1]), "room:42");
  });

  test("turboStreamFrom joins an array of names with colons", () => {
    const signer = new Signer(SECRET);
    const signed = /signed-stream-name="([^"]+)"/.exec(
      turboStreamFrom(signer, ["room", "42"]).toString(),
    )![1];
    assert.equal(signer.verifyStreamName(signed), "room:42");
  });

  test("actionCableMetaTag escapes the URL", () => {
    assert.equal(
      actionCableMetaTag('/cable?a="b"').toString(),
      '<meta name="action-cable-url" content="/cable?a=&quot;b&quot;">',
    );
  });
});
