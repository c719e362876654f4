import { after, before } from "node:test";
import type { Browser } from "playwright-core";
import { createDemoApp, type DemoApp, type DemoOptions } from "../../src/demo/app.js";
import { launchChromium } from "./browser.js";
import { type RecordingLogger, recordingLogger } from "./cable.js";

/** The secret of the demo app in the browser tests. */
export const E2E_SECRET = "e2e-secret-0123456789abcdef";

/** Chromium and a demo app for the tests of one `describe`; read its fields inside the tests. */
export interface DemoInBrowser {
  readonly browser: Browser;
  readonly app: DemoApp;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly port: number;
  /** Every line the server logged, across restarts. */
  readonly logger: RecordingLogger;
  /** Starts a fresh demo app on the same port, after `app.close()`: a server restart. */
  startAgain(): Promise<void>;
}

/**
 * Launches Chromium and starts the demo app (127.0.0.1, port 0, no ICE servers, then `options`) before the tests
 * of the enclosing `describe`, and closes both after them. Pages load the bundle in `dist/`:
 * run `npm run build` first.
 */
export function demoInBrowser(options: DemoOptions = {}): DemoInBrowser {
  const logger = recordingLogger();
  let browser: Browser | null = null;
  let app: DemoApp | undefined;
  let base = "";
  const start = async (port: number) => {
    app = createDemoApp({ secret: E2E_SECRET, logger, iceServers: [], ...options });
    base = await app.listen(port, "127.0.0.1");
  };
  before(async (t) => {
    browser = await launchChromium(t as never);
    await start(0);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    get app() {
      return app!;
    },
    get base() {
      return base;
    },
    get port() {
      return Number(new URL(base).port);
    },
    logger,
    startAgain: () => start(Number(new URL(base).port)),
  };
}
