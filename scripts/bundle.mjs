// Bundles the browser code with esbuild: the client library for <script type="module"> use (the
// `/browser` entry: the `/client` API, registering <p2p-frame> on load), and the demo's page script
// (Turbo, Stimulus and the demo controllers).
import { copyFile, mkdir } from "node:fs/promises";
import { build } from "esbuild";

const started = Date.now();
await mkdir("dist/browser", { recursive: true });
const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
};
await Promise.all([
  build({ ...common, entryPoints: ["src/browser/index.ts"], outfile: "dist/browser/p2p-streams-channel.js" }),
  build({ ...common, entryPoints: ["src/demo/client/index.ts"], outfile: "dist/browser/demo.js" }),
  copyFile("src/demo/client/demo.css", "dist/browser/demo.css"),
]);
console.log(`bundled browser code into dist/browser in ${Date.now() - started} ms`);
