// The browser figures' server for our side: the demo app (our cable at /cable, the chat and room
// pages) with the bench pages of bench/browser/routes.ts, in its own process as PeerServer is, so
// the orchestrator's Playwright traffic never shares an event loop with the server under test.
// `--no-relay`: the app with `relay: false` (members wait for their data channel), for the
// first-message figure.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDemoApp } from "../../src/demo/app.js";
import { benchRoutes } from "../browser/routes.js";
import { announce } from "./control.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const peerjs = join(root, "node_modules/peerjs/dist/peerjs.min.js");
const app = createDemoApp({
  secret: "bench-secret-0123456789abcdef",
  iceServers: [],
  ...(process.argv.includes("--no-relay") ? { relay: false as const } : {}),
  routes: await benchRoutes(root, existsSync(peerjs) ? peerjs : undefined),
});
const base = await app.listen(0, "127.0.0.1");
await announce("demo", Number(new URL(base).port));
