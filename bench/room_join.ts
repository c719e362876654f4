// Rooms benchmark: how long a newcomer waits, from clicking Enter, until it sees all N-1 remote
// videos playing (videoWidth > 0 and currentTime > 0), for rooms of N = 2..6 pages. Each page is
// its own Chromium context with fake camera and microphone; the demo app serves them on 127.0.0.1.
// The N = 4 point runs in every `npm run bench` as the `room4` figure, beside PeerJS (bench/browser/room.ts);
// this script stays for the sweep over N and camera sizes, ours only.
// Run: npm run build && ../shared/tools/netns-run node --import tsx bench/room_join.ts [--trials 3] [--max 6] [--small]
// `--small` asks every page for 320x240 at 15 fps instead of the camera's default (640x480 at 30):
// a mesh encodes N-1 streams per page, so on a small machine the time is mostly video encoding.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createDemoApp } from "../src/demo/app.js";
import { launchChromium, waitInPage } from "../test/support/browser.js";
import { describeMachine, machineInfo } from "./lib/report.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const TRIALS = option("trials", 3);
const MAX = option("max", 6);
const SMALL = args.includes("--small");
const REMOTE = "#media [id^='medium_'] video";

async function openRoomPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  if (SMALL) {
    await context.addInitScript(() => {
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (c) =>
        original({ ...c, video: { width: 320, height: 240, frameRate: 15 } });
    });
  }
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  await waitInPage(page, "turbo stream sources connected", () =>
    [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
  );
  return { context, page };
}

/** Clicks Enter and resolves to the ms (page clock) until `count` remote videos play. */
async function enterAndTime(page: Page, count: number): Promise<number> {
  await page.evaluate(
    ({ selector, count }) => {
      const w = window as unknown as { benchDone: number | null; benchStart: number };
      w.benchDone = null;
      const timer = setInterval(() => {
        const videos = [...document.querySelectorAll<HTMLVideoElement>(selector)];
        if (videos.length === count && videos.every((v) => v.videoWidth > 0 && v.currentTime > 0)) {
          w.benchDone = performance.now();
          clearInterval(timer);
        }
      }, 5);
      w.benchStart = performance.now();
      document.querySelector<HTMLButtonElement>("[data-room-target='enter']")!.click();
    },
    { selector: REMOTE, count },
  );
  await waitInPage(
    page,
    `${count} remote videos playing`,
    () => (window as unknown as { benchDone: number | null }).benchDone !== null,
    undefined,
    60_000,
  );
  return page.evaluate(() => {
    const w = window as unknown as { benchDone: number; benchStart: number };
    return w.benchDone - w.benchStart;
  });
}

async function trial(browser: Browser, base: string, n: number): Promise<number> {
  const roomUrl = `${base}/rooms/bench-${n}-${Math.random().toString(36).slice(2)}`;
  const contexts: BrowserContext[] = [];
  try {
    for (let i = 0; i < n - 1; i++) {
      const { context, page } = await openRoomPage(browser, roomUrl);
      contexts.push(context);
      await enterAndTime(page, i); // members join one by one, each waiting for the mesh so far
    }
    const { context, page } = await openRoomPage(browser, roomUrl);
    contexts.push(context);
    return await enterAndTime(page, n - 1);
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const machine = machineInfo();
const browser = (await launchChromium({ skip() {} } as never))!;
const app = createDemoApp({ secret: "bench-secret-0123456789abcdef", iceServers: [] });
const base = await app.listen(0, "127.0.0.1");
const rows: string[] = [];
try {
  console.log(`room join: newcomer sees N-1 remote videos playing; ${TRIALS} trials per N`);
  console.log("N | median ms | min ms | max ms | trials (ms)");
  for (let n = 2; n <= MAX; n++) {
    const times: number[] = [];
    for (let t = 0; t < TRIALS; t++) times.push(await trial(browser, base, n));
    const fmt = (v: number) => v.toFixed(0);
    const row = `| ${n} | ${fmt(median(times))} | ${fmt(Math.min(...times))} | ${fmt(Math.max(...times))} | ${times.map(fmt).join(", ")} |`;
    rows.push(row);
    console.log(row);
  }
} finally {
  await browser.close();
  await app.close();
}
machine.loadEnd = os.loadavg()[0]!;
const variant = SMALL ? "small" : "default";
const section = `<!-- rooms:${variant} -->
## ${SMALL ? "Video 320x240 at 15 fps (`--small`)" : "Camera default (fake device: 640x480 at 30 fps)"}

${describeMachine(machine)
  .map((line) => `- ${line}`)
  .join("\n")}

| N | median ms | min ms | max ms | trials (ms) |
|---|---|---|---|---|
${rows.join("\n")}
<!-- /rooms:${variant} -->`;
const HEADER = `# Rooms: time for a newcomer to see all N-1 remote videos playing

Measured by \`bench/room_join.ts\`: N-1 pages enter a room one by one (each waiting for the mesh so
far), then the newcomer clicks Enter; the time is from that click to every remote \`<video>\` having
\`videoWidth > 0\` and \`currentTime > 0\` (page clock, polled every 5 ms). Each page is its own
Chromium context (headless, fake camera), all on one machine, inside netns-run, \`iceServers: []\`.
The newcomer's time includes getUserMedia, two cable subscriptions, N-1 greetings and N-1 perfect
negotiations, ICE and the first decoded frame. Every page encodes N-1 and decodes N-1 video streams,
so all N pages together run N(N-1) encoders on this machine's cores: past N = 4 the figure mostly
measures CPU (compare the two sections, and the load average of the shared machine).
`;
const file = "bench/results/rooms.md";
mkdirSync("bench/results", { recursive: true });
let text = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
if (!text.startsWith("# Rooms")) text = HEADER;
const pattern = new RegExp(`<!-- rooms:${variant} -->[\\s\\S]*?<!-- /rooms:${variant} -->`);
text = pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}\n`;
writeFileSync(file, text);
console.log(`wrote the ${variant} section of ${file}`);
