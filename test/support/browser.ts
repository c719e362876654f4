import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** Where Chromium is: CHROME_PATH, then the usual install paths; `null` when nowhere. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export const CHROMIUM_MISSING = `Chromium not found (looked at $CHROME_PATH, ${CANDIDATES.join(", ")}).
Install it with \`sudo apt-get install chromium\` (Debian/Ubuntu) or point CHROME_PATH at a Chrome/Chromium binary.
To skip the browser suites on purpose, set P2P_SKIP_BROWSER_TESTS=1 (CI never does).`;

/**
 * Launches headless Chromium with fake camera and microphone, or fails with how to install it.
 * Skips the test only when the user opted out with P2P_SKIP_BROWSER_TESTS=1.
 */
export async function launchChromium(t: TestContext): Promise<Browser | null> {
  const executablePath = findChromium();
  if (!executablePath) {
    if (process.env.P2P_SKIP_BROWSER_TESTS === "1" && !process.env.CI) {
      t.skip("P2P_SKIP_BROWSER_TESTS=1 and no Chromium");
      return null;
    }
    throw new Error(CHROMIUM_MISSING);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      "--autoplay-policy=no-user-gesture-required",
      "--disable-features=WebRtcHideLocalIpsWithMdns",
    ],
  });
}

/** A page in its own browser context (own storage, own peer identity), with its errors collected. */
export interface TrackedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors and console.error lines, in order. */
  errors: string[];
}

export async function openPage(browser: Browser, url: string, label = url): Promise<TrackedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`[${label}] pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`[${label}] console.error: ${message.text()}`);
    if (process.env.P2P_TEST_DEBUG) console.log(`[${label}] ${message.type()}: ${message.text()}`);
  });
  await page.goto(url);
  return { page, context, errors };
}

/**
 * Waits until `predicate` (run in the page) returns truthy, or fails naming what was awaited.
 * Never a sleep: this polls the page's own state until the deadline. The default deadline is
 * generous (a busy two-core machine runs several Chromium pages): a test that claims a bound
 * measures the time and asserts the bound itself.
 */
export async function waitInPage<A>(
  page: Page,
  description: string,
  predicate: (arg: A) => unknown,
  arg?: A,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: playwright's PageFunction typing cannot express a generic arg here
    await page.waitForFunction(predicate as any, arg, { timeout: timeoutMs, polling: 50 });
  } catch (error) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (${page.url()})`, {
      cause: error,
    });
  }
}
