import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createDemoApp } from "../../src/demo/app.js";
import { type Route, sendHtml } from "../../src/demo/router.js";
import { layout } from "../../src/demo/views/layout.js";
import { html, unsafeRaw } from "../../src/html/html.js";
import { turboStreamFrom } from "../../src/html/tags.js";
import { turboStreams } from "../../src/html/turbo_stream.js";
import { launchChromium, openPage, waitInPage } from "../support/browser.js";

// Needs `npm run build` first: the page loads /assets/demo.js, which bundles @hotwired/turbo-rails.

const STREAM = "e2e:turbo";

describe("Turbo Streams in Chromium", () => {
  test("a broadcast append changes the page through <turbo-cable-stream-source>", async (t) => {
    const browser = await launchChromium(t);
    if (!browser) return;
    t.after(() => browser.close());

    const page: Route = {
      method: "GET",
      path: "/e2e/turbo",
      handle(_request, response, _params, context) {
        sendHtml(
          response,
          layout({
            title: "Turbo e2e",
            body: html`${turboStreamFrom(context.cable.signer, STREAM)}<div id="messages"></div>`,
          }),
        );
      },
    };
    const app = createDemoApp({ secret: "e2e-secret-0123456789abcdef", routes: [page] });
    t.after(() => app.close());
    const base = await app.listen(0, "127.0.0.1");

    const { page: tab, errors } = await openPage(browser, `${base}/e2e/turbo`, "turbo");
    const failed: string[] = [];
    tab.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await waitInPage(tab, "turbo-cable-stream-source[connected]", () =>
      document.querySelector("turbo-cable-stream-source[connected]"),
    );
    assert.equal(app.cable.stats().subscriptions, 1);

    await app.cable.broadcast(
      STREAM,
      turboStreams.append("messages", html`<p id="m1">hello ${"<world>"}</p>`),
    );
    await waitInPage(tab, "#m1 appended to #messages", () => document.querySelector("#messages > p#m1"));
    assert.equal(await tab.locator("#m1").textContent(), "hello <world>");

    await app.cable.broadcast(STREAM, turboStreams.replace("m1", html`<p id="m1">replaced</p>`));
    await waitInPage(tab, "#m1 replaced", () => document.querySelector("#m1")?.textContent === "replaced");

    await app.cable.broadcast(STREAM, turboStreams.remove("m1"));
    await waitInPage(tab, "#m1 removed", () => document.querySelector("#m1") === null);
    // Turbo running proves /assets/demo.js loaded; the demo serves no favicon, nothing else may fail.
    assert.deepEqual(
      failed.filter((line) => line !== "404 /favicon.ico"),
      [],
    );
    assert.deepEqual(
      errors.filter((line) => !line.includes("Failed to load resource")),
      [],
    );
  });

  test("a tampered signed stream name stays unconnected and receives nothing", async (t) => {
    const browser = await launchChromium(t);
    if (!browser) return;
    t.after(() => browser.close());

    const page: Route = {
      method: "GET",
      path: "/e2e/tampered",
      handle(_request, response, _params, context) {
        const good = turboStreamFrom(context.cable.signer, STREAM).toString();
        const forgedName = Buffer.from(JSON.stringify("e2e:other")).toString("base64");
        const tampered = good.replace(/signed-stream-name="[^-]+--/, `signed-stream-name="${forgedName}--`);
        sendHtml(
          response,
          layout({
            title: "Turbo e2e",
            // The good source tells the test when the cable is up; the forged one must stay silent.
            body: html`<div id="forged">${unsafeRaw(tampered)}</div><div id="good">${turboStreamFrom(
              context.cable.signer,
              "e2e:good",
            )}</div><div id="messages"></div>`,
          }),
        );
      },
    };
    const app = createDemoApp({ secret: "e2e-secret-0123456789abcdef", routes: [page] });
    t.after(() => app.close());
    const base = await app.listen(0, "127.0.0.1");
    const { page: tab } = await openPage(browser, `${base}/e2e/tampered`, "tampered");
    await waitInPage(tab, "the good stream source connected", () =>
      document.querySelector("#good turbo-cable-stream-source[connected]"),
    );
    await app.cable.broadcast("e2e:other", turboStreams.append("messages", html`<p id="leak">leak</p>`));
    await app.cable.broadcast("e2e:good", turboStreams.append("messages", html`<p id="ok">ok</p>`));
    await waitInPage(tab, "#ok appended", () => document.querySelector("#ok"));
    assert.equal(await tab.locator("#leak").count(), 0);
    assert.equal(await tab.locator("#forged turbo-cable-stream-source[connected]").count(), 0);
    assert.equal(app.cable.stats().subscriptions, 1);
  });
});
