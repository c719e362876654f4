import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { ExampleOptions, RunningExample } from "../../examples/shared/example.js";
import { launchChromium, waitInPage } from "../support/browser.js";
import { allConnected, openPeer, type PeerPage, received } from "../support/session_pages.js";

// Each framework example (examples/*/server.ts) on 127.0.0.1 port 0, two Chromium pages chatting
// through its page's own form. Run `npm run build` first (the pages load dist/browser), and run
// this file through ../shared/tools/netns-run.

const EXAMPLES: Record<string, () => Promise<{ start(options: ExampleOptions): Promise<RunningExample> }>> = {
  "node:http": () => import("../../examples/node_http/server.js"),
  Express: () => import("../../examples/express/server.js"),
  Fastify: () => import("../../examples/fastify/server.js"),
  Hono: () => import("../../examples/hono/server.js"),
};

/** Types `text` into the page's chat form and submits it, as a person would. */
async function say(peer: PeerPage, text: string): Promise<void> {
  await peer.page.fill("#send input[name=text]", text);
  await peer.page.press("#send input[name=text]", "Enter");
}

/** Waits until the page's message list shows `who: text`. */
function shows(peer: PeerPage, line: string): Promise<void> {
  return waitInPage(
    peer.page,
    `${peer.name}'s list to show "${line}"`,
    (expected: string) =>
      [...document.querySelectorAll("#messages li")].some((li) => li.textContent === expected),
    line,
  );
}

function lines(peer: PeerPage): Promise<string[]> {
  return peer.page.$$eval("#messages li", (items) => items.map((li) => li.textContent ?? ""));
}

describe("framework examples", () => {
  let browser: Browser | null = null;
  before(async (t) => {
    browser = await launchChromium(t as never);
  });
  after(() => browser?.close());

  for (const [framework, load] of Object.entries(EXAMPLES)) {
    test(`${framework}: two pages chat through the example's cable`, async (t) => {
      const { start } = await load();
      const example = await start({
        port: 0,
        host: "127.0.0.1",
        secret: "examples-secret-0123456789",
        iceServers: [],
      });
      t.after(() => example.close());
      assert.match(await (await fetch(`${example.url}/`)).text(), /<form method="get" action="\/">/);

      const ann = await openPeer(browser!, `${example.url}/?name=ann`, "ann");
      const bob = await openPeer(browser!, `${example.url}/?name=bob`, "bob");
      t.after(() => Promise.all([ann.context.close(), bob.context.close()]));
      await allConnected(ann, ["ann", "bob"]);
      await allConnected(bob, ["ann", "bob"]);

      await say(bob, `hello from ${framework}`);
      await received(ann, "bob", `hello from ${framework}`);
      await shows(ann, `bob: hello from ${framework}`);
      await say(ann, "hi bob");
      await shows(bob, "ann: hi bob");
      const hello = `bob: hello from ${framework}`;
      assert.deepEqual(await lines(ann), [hello, "ann: hi bob"]);
      assert.deepEqual(await lines(bob), [hello, "ann: hi bob"]);
      assert.deepEqual([...ann.errors, ...bob.errors], []);
    });
  }
});
