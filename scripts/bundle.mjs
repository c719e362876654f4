// Bundles the browser code with esbuild: the client library for <script type="module"> use,
// and the demo's page script (Turbo, Stimulus and the demo controllers).
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
  build({ ...common, entryPoints: ["src/client/index.ts"], outfile: "dist/browser/p2p-streams-channel.js" }),
  build({ ...common, entryPoints: ["examples/demo/client/index.ts"], outfile: "dist/browser/demo.js" }),
  copyFile("examples/demo/client/demo.css", "dist/browser/demo.css"),
]);
console.log(`bundled browser code into dist/browser in ${Date.now() - started} ms`);
