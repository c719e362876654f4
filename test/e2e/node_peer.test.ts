import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { withDeadline } from "../support/cable.js";
import { demoInBrowser } from "../support/demo_browser.js";
import { joinNodePeer, type NodePeer } from "../support/node_peer.js";
import {
  allConnected,
  becameHost,
  dataLog,
  openPeer,
  type PeerPage,
  received,
  seenNewHost,
  sendText,
} from "../support/session_pages.js";

// Node peers (`p2p-streams-channel/node`: the session client on ws and @roamhq/wrtc) in sessions
// with Chromium pages of the demo. Run `npm run build` first (the pages load dist/browser), and run
// this file through ../shared/tools/netns-run.

/** Counts each `sender:text` line of a log. */
function counts(lines: string[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of lines) result.set(line, (result.get(line) ?? 0) + 1);
  return result;
}

describe("a Node host with three Chromium pages", () => {
  const demo = demoInBrowser();
  const session = "node-host";
  const url = (name: string) => `${demo.base}/chat?name=${name}&session=${session}`;

  test("forms a session in which every message arrives exactly once on every side", async (t) => {
    const bot = await joinNodePeer(demo.base, "bot", session);
    t.after(() => bot.session.close());
    await bot.until("to become host", () => bot.session.iamHost);
    const pages: PeerPage[] = [];
    for (const name of ["ann", "bob", "cid"]) pages.push(await openPeer(demo.browser, url(name), name));
    const everyone = ["bot", "ann", "bob", "cid"];
    await Promise.all([bot.allConnected(everyone), ...pages.map((p) => allConnected(p, everyone))]);

    await bot.session.send("from bot");
    for (const page of pages) await sendText(page, `from ${page.name}`);
    const expected = everyone.map((name) => `${name}:from ${name}`);
    for (const [from, text] of expected.map((line) => line.split(":") as [string, string])) {
      await bot.received(from, text);
      await Promise.all(pages.map((p) => received(p, from, text)));
    }
    for (const [who, log] of [
      ["bot", bot.data] as const,
      ...(await Promise.all(pages.map(async (p) => [p.name, await dataLog(p)] as const))),
    ]) {
      const seen = counts(log);
      for (const line of expected)
        assert.equal(seen.get(line), 1, `${who} got "${line}" ${seen.get(line)} times`);
      assert.equal(log.length, expected.length, `${who} got only these: ${log.join(", ")}`);
    }

    // Pages come and go; the Node host stays host throughout.
    await pages[2]!.page.close();
    await bot.until("to see cid leave", () => bot.peers.cid === undefined);
    const dan = await openPeer(demo.browser, url("dan"), "dan");
    await pages[0]!.page.close();
    const left = ["bot", "bob", "dan"];
    await Promise.all([bot.allConnected(left), allConnected(pages[1]!, left), allConnected(dan, left)]);
    await sendText(dan, "dan is here");
    await Promise.all([bot.received("dan", "dan is here"), received(pages[1]!, "dan", "dan is here")]);
    assert.ok(bot.session.iamHost, "the Node peer still hosts");
    assert.deepEqual(
      bot.hosts.map((h) => h.hostPeerId),
      ["bot"],
      "the Node peer was the only host ever named to it",
    );
    assert.ok(!bot.states.includes("failed") && !bot.states.includes("negotiating"), bot.states.join(" → "));
    assert.deepEqual(bot.errors, []);
    assert.deepEqual([...pages[1]!.errors, ...dan.errors], []);
  });
});

describe("a Node member whose Chromium host leaves", () => {
  const demo = demoInBrowser();
  const session = "node-failover";
  const url = (name: string) => `${demo.base}/chat?name=${name}&session=${session}`;

  test("takes part in the failover: a remaining peer, the Node one included, hosts without a restart", async (t) => {
    const host = await openPeer(demo.browser, url("host"), "host");
    await becameHost(host);
    const bot: NodePeer = await joinNodePeer(demo.base, "bot", session);
    t.after(() => bot.session.close());
    const ann = await openPeer(demo.browser, url("ann"), "ann");
    const everyone = ["host", "bot", "ann"];
    await Promise.all([
      bot.allConnected(everyone),
      allConnected(host, everyone),
      allConnected(ann, everyone),
    ]);
    assert.equal(bot.session.hostPeerId, "host");

    const closedAt = Date.now();
    await host.page.close();
    await seenNewHost(ann, "host", closedAt);
    await bot.until("to be told of a new host", () => bot.hosts.some((h) => h.hostPeerId !== "host"));
    const newHost = bot.session.hostPeerId as string | null;
    assert.ok(newHost === "bot" || newHost === "ann", `the new host is a remaining peer, got ${newHost}`);
    await Promise.all([bot.allConnected(["bot", "ann"]), allConnected(ann, ["bot", "ann"], closedAt)]);
    console.log(
      `node failover: ${newHost} hosts, all connected ${Date.now() - closedAt} ms after the host left`,
    );

    await bot.session.send("after failover");
    await sendText(ann, "ann after failover");
    await Promise.all([
      bot.received("bot", "after failover"),
      bot.received("ann", "ann after failover"),
      received(ann, "bot", "after failover"),
      received(ann, "ann", "ann after failover"),
    ]);
    assert.equal(bot.session.state, "connected", "the same Node session, never closed or failed");
    assert.ok(!bot.states.includes("failed") && !bot.states.includes("closed"), bot.states.join(" → "));
    assert.deepEqual(ann.errors, []);
  });
});

describe("media from a Chromium host to a Node member", () => {
  const demo = demoInBrowser();
  const session = "node-media";

  test("the host's camera reaches the Node peer, which decodes its frames", async (t) => {
    const host = await openPeer(demo.browser, `${demo.base}/chat?name=host&session=${session}`, "host");
    await becameHost(host);
    const probe = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/node_media_probe.ts", demo.base, session],
      {
        cwd: resolve(dirname(fileURLToPath(import.meta.url)), "../.."),
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = new Promise<string>((done) =>
      probe.once("exit", (code, signal) => done(signal ?? String(code))),
    );
    t.after(async () => {
      if (probe.exitCode === null && probe.signalCode === null) probe.kill("SIGKILL");
      await exited;
    });
    let out = "";
    const printed = (type: string) =>
      withDeadline(
        new Promise<Record<string, unknown>>((found) => {
          const look = () => {
            const line = out.split("\n").find((l) => l.includes(`"type":"${type}"`));
            if (line) found(JSON.parse(line) as Record<string, unknown>);
          };
          probe.stdout!.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            look();
          });
          look();
        }),
        `the Node probe to print ${type} (stdout: ${out})`,
        30_000,
      );
    await printed("connected");
    await host.page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 320, height: 240, frameRate: 15 },
        audio: false,
      });
      (document.querySelector("p2p-frame") as unknown as { addStream(s: MediaStream): void }).addStream(
        stream,
      );
    });
    const result = await printed("frames");
    assert.deepEqual(result, { type: "frames", peerId: "host", frames: 30, size: "320x240" });
    console.log(
      `node media: 30 frames of ${result.size} from the Chromium host; the probe exited with ${await exited}`,
    );
  });
});
