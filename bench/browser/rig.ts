import type { Browser } from "playwright-core";
import {
  CHROMIUM_MISSING,
  findChromium,
  launchChromium,
  openPage,
  type TrackedPage,
  waitInPage,
} from "../../test/support/browser.js";
import { packageVersion } from "../kinds.js";
import { startServer } from "../lib/children.js";
import { RECORDER } from "./recorder.js";

/** The two clients measured side by side in the browser. */
export const LIBRARIES = ["ours", "peerjs"] as const;
export type Library = (typeof LIBRARIES)[number];

const PEERJS_PACKAGES = ["peerjs", "peer"];

/**
 * One Chromium and the servers its pages use, for every browser figure of a run: the demo app
 * (our cable, the chat and room pages, the bench pages) and a PeerServer, each in its own process
 * on 127.0.0.1 port 0.
 */
export interface BrowserRig {
  root: string;
  browser: Browser;
  /** "Chromium 156.0.8078.114". */
  chromium: string;
  /** The demo app's URL (our cable at /cable; the bench pages at /bench/…). */
  base: string;
  /** The PeerServer's port; undefined when PeerJS is not installed. */
  peerServerPort: number | undefined;
  /** Ours, and PeerJS when its packages are installed. */
  libraries: Library[];
  /** Row label, with the PeerJS versions measured. */
  label(library: Library): string;
  log(line: string): void;
  /**
   * Opens the camera keeper page (once; it stays until `close`). Only the figures with media call
   * it: a fake camera capturing all along costs both cores enough to slow every other figure's
   * pages (the pair figure took 2.8x longer to connect with it running, ours and PeerJS alike).
   */
  warmCamera(): Promise<void>;
  close(): Promise<void>;
}

/** Starts everything, or resolves to why the browser figures cannot run (Chromium missing). */
export async function startRig(root: string, log: (line: string) => void): Promise<BrowserRig | string> {
  if (!findChromium()) return CHROMIUM_MISSING;
  const missing = PEERJS_PACKAGES.filter((name) => packageVersion(root, name) === undefined);
  if (missing.length > 0) {
    log(
      `baseline PeerJS skipped: npm package(s) ${missing.map((m) => `"${m}"`).join(", ")} not installed ` +
        `(npm install --save-dev ${missing.join(" ")})`,
    );
  }
  const withPeerjs = missing.length === 0;
  // Each server in its own process: the demo app (bench/servers/demo.ts) and PeerServer.
  const demo = await startServer(root, "demo");
  const base = `http://127.0.0.1:${demo.port}`;
  const peerServer = withPeerjs ? await startServer(root, "peerserver") : undefined;
  // The test suites' launcher; it only consults its test context to skip, and Chromium is there.
  const browser = (await launchChromium({ skip() {} } as never))!;
  const chromium = `Chromium ${browser.version()}`;
  let camera: Promise<TrackedPage> | undefined;
  return {
    root,
    browser,
    chromium,
    base,
    peerServerPort: peerServer?.port,
    libraries: withPeerjs ? ["ours", "peerjs"] : ["ours"],
    label: (library) =>
      library === "ours"
        ? "ours (p2p-streams-channel, <p2p-frame> / Room)"
        : `PeerJS (peerjs ${packageVersion(root, "peerjs")}, peer ${packageVersion(root, "peer")})`,
    log,
    async warmCamera() {
      camera ??= keepCameraWarm(browser, base);
      await camera;
    },
    async close() {
      if (camera) await (await camera).context.close();
      await browser.close();
      await demo.stop();
      await peerServer?.stop();
    },
  };
}

/**
 * A page holding the fake camera and microphone for the whole run. Chromium starts its capture
 * device when the first page asks for it and stops it when the last stream ends: the first
 * getUserMedia after a pause takes 1 to 2 s on this machine, later ones about 0.1 s. Without this
 * page whichever library ran first in a trial paid that start (ours, always: 1.6 s of the mesh's
 * signaling in a traced run) and the other found the device warm.
 */
async function keepCameraWarm(browser: Browser, base: string): Promise<TrackedPage> {
  const keeper = await openPage(browser, `${base}/health`, "camera keeper");
  await keeper.page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 320, height: 240, frameRate: 15 },
    });
    (window as unknown as { keptStream: MediaStream }).keptStream = stream;
  });
  return keeper;
}

/** The pages of one trial: each in its own browser context, all closed when the trial ends. */
export class TrialPages {
  readonly #rig: BrowserRig;
  readonly #pages: TrackedPage[] = [];

  constructor(rig: BrowserRig) {
    this.#rig = rig;
  }

  /**
   * Opens `path` of the demo app (or of another app at `base`) with the RTC recorder installed;
   * bench pages wait for their script.
   */
  async open(path: string, label: string, base = this.#rig.base): Promise<TrackedPage> {
    const tracked = await openPage(this.#rig.browser, "about:blank", label);
    this.#pages.push(tracked);
    await tracked.page.addInitScript({ content: RECORDER });
    await tracked.page.goto(base + path);
    if (path.startsWith("/bench/"))
      await waitInPage(tracked.page, `${label}: bench script loaded`, () => "bench" in window);
    return tracked;
  }

  /** Page errors of every page so far (uncaught errors, console.error), for a failed trial. */
  get errors(): string[] {
    return this.#pages.flatMap((p) => p.errors);
  }

  async close(): Promise<void> {
    await Promise.all(this.#pages.splice(0).map((p) => p.context.close()));
  }
}

/** Every trial's value per library, and the errors of trials that failed. */
export type BrowserResults<T> = Map<Library, { values: T[]; errors: string[] }>;

/**
 * Runs `body` `trials` times per library, interleaved (ours, PeerJS, ours, …) so that the shared
 * machine's load hits both alike; each trial gets fresh pages, in fresh contexts, in a fresh
 * session or fresh ids, so it can never see a previous trial's events. A failure is reported.
 */
export async function eachBrowserTrial<T>(
  rig: BrowserRig,
  figure: string,
  trials: number,
  body: (library: Library, pages: TrialPages, progress: (text: string) => void, trial: number) => Promise<T>,
  libraries: Library[] = rig.libraries,
): Promise<BrowserResults<T>> {
  const results: BrowserResults<T> = new Map(libraries.map((l) => [l, { values: [], errors: [] }]));
  for (let trial = 1; trial <= trials; trial++) {
    // Each library goes first in every other trial: whatever the first of a pair warms up (caches,
    // the JIT, the servers) the second does not get for free every time.
    const order = trial % 2 === 1 ? libraries : [...libraries].reverse();
    for (const library of order) {
      const progress = (text: string) =>
        rig.log(`[${figure} ${trial}/${trials} ${library === "ours" ? "ours" : "PeerJS"}] ${text}`);
      const pages = new TrialPages(rig);
      try {
        results.get(library)!.values.push(await body(library, pages, progress, trial));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`FAILED: ${message}`);
        for (const line of pages.errors.slice(0, 5)) progress(`  ${line}`);
        results.get(library)!.errors.push(message.split("\n")[0]!);
      } finally {
        await pages.close();
      }
    }
  }
  return results;
}

/** Table notes for failed trials, so a missing cell is explained. */
export function browserFailureNotes<T>(rig: BrowserRig, results: BrowserResults<T>): string[] {
  return [...results]
    .filter(([, { errors }]) => errors.length > 0)
    .map(([library, { errors }]) => `${rig.label(library)}: ${errors.length} trial(s) failed: ${errors[0]}`);
}

/** A start instant every page of a trial can still make: all joins fire at once, on every page's clock. */
export function scheduleStart(pages: number): number {
  return Date.now() + 300 + 30 * pages;
}

/** A fresh id: PeerServer ids and our session ids are never reused across trials. */
export function freshId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
