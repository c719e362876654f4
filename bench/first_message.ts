// First message of a joining member (issue 15): how long from a member's page starting until the
// host has its first message, with the session relaying through the server until the data channel
// opens (ours, cable first: the default) beside the same session waiting for its data channel
// (`relay: false`, the behaviour before, and what PeerJS does: data after its data channel opens).
// Both demo apps run in this process, same machine, same run, trials interleaved. The member page
// calls `send` as soon as its `<p2p-frame>` exists; the clock is the pages' own (`Date.now()`, one
// machine). PeerJS itself and the relayed throughput against the raw `ws` ceiling are not measured here.
// Run: npm run build && ../shared/tools/netns-run node --import tsx bench/first_message.ts [--trials 10]
import type { Browser } from "playwright-core";
import { createDemoApp, type DemoApp } from "../src/demo/app.js";
import { launchChromium, waitInPage } from "../test/support/browser.js";
import { becameHost, openPeer } from "../test/support/session_pages.js";
import { describeMachine, machineInfo } from "./lib/report.js";

const args = process.argv.slice(2);
const at = args.indexOf("--trials");
const TRIALS = at >= 0 ? Number(args[at + 1]) : 10;

/** Sends "first" the moment the element can, and notes when (page clock). */
const SEND_FIRST = `(() => {
  const timer = setInterval(() => {
    const frame = document.querySelector("p2p-frame");
    if (!frame || typeof frame.send !== "function" || !frame.isConnected) return;
    clearInterval(timer);
    window.__sentAt = Date.now();
    frame.send("first");
  }, 1);
})();`;

interface Trial {
  /** From the member's page starting (first script) to the host's receipt. */
  fromLoad: number;
  /** From the member's own `ready` (`p2p:host`: its join answered) to the host's receipt. */
  fromJoin: number;
}

async function trial(browser: Browser, app: { base: string }, session: string): Promise<Trial> {
  const url = (name: string) => `${app.base}/chat?name=${name}&session=${session}`;
  const host = await openPeer(browser, url("host"), "host");
  try {
    await becameHost(host);
    const member = await openPeer(browser, url("ann"), "ann", SEND_FIRST);
    try {
      await waitInPage(host.page, "the member's first message at the host", () =>
        window.__p2p.some((e) => e.name === "p2p:message" && e.detail.value === "first"),
      );
      const received = await host.page.evaluate(
        () => window.__p2p.find((e) => e.name === "p2p:message" && e.detail.value === "first")!.at,
      );
      const [loadedAt, joinedAt] = await member.page.evaluate(() => [
        window.__loadedAt,
        window.__p2p.find((e) => e.name === "p2p:host")!.at,
      ]);
      return { fromLoad: received - loadedAt!, fromJoin: received - joinedAt! };
    } finally {
      await member.context.close();
    }
  } finally {
    await host.context.close();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const browser = await launchChromium({ skip: (why: string) => console.log(why) } as never);
  if (!browser) return;
  const apps: Record<string, DemoApp> = {
    "cable first (relay on)": createDemoApp({ secret: "bench-secret-0123456789abcdef" }),
    "data channel first (relay: false)": createDemoApp({
      secret: "bench-secret-0123456789abcdef",
      relay: false,
    }),
  };
  const bases: Record<string, string> = {};
  for (const [name, app] of Object.entries(apps)) bases[name] = await app.listen(0, "127.0.0.1");
  const results: Record<string, Trial[]> = Object.fromEntries(Object.keys(apps).map((name) => [name, []]));
  try {
    for (let i = 0; i < TRIALS; i++) {
      for (const name of Object.keys(apps)) {
        const result = await trial(browser, { base: bases[name]! }, `first-${i}`);
        results[name]!.push(result);
        console.log(
          `${name}: trial ${i + 1}: ${result.fromJoin} ms from ready, ${result.fromLoad} ms from page start`,
        );
      }
    }
  } finally {
    await browser.close();
    for (const app of Object.values(apps)) await app.close();
  }
  console.log(`\n${describeMachine(machineInfo()).join("\n")}\n`);
  console.log(
    "| first message of a joining member | median from its ready | median from page start | trials |",
  );
  console.log("| --- | --- | --- | --- |");
  for (const [name, trials] of Object.entries(results)) {
    const fromJoin = median(trials.map((t) => t.fromJoin));
    const fromLoad = median(trials.map((t) => t.fromLoad));
    console.log(`| ${name} | ${fromJoin} ms | ${fromLoad} ms | ${trials.length} |`);
  }
}

await main();
