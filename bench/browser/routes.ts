import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { Route } from "../../src/demo/router.js";
import { sendHtml } from "../../src/demo/router.js";
import { html } from "../../src/html/html.js";
import { p2pFrameTag } from "../../src/html/p2p_frame_tag.js";
import { actionCableMetaTag } from "../../src/html/tags.js";

/** The two page scripts, bundled from bench/browser/page/ (ours from the sources under src/client). */
async function bundlePages(root: string): Promise<Record<string, string>> {
  const result = await build({
    entryPoints: {
      ours_page: join(root, "bench/browser/page/ours_page.ts"),
      peerjs_page: join(root, "bench/browser/page/peerjs_page.ts"),
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    outdir: "/bench",
    logLevel: "warning",
  });
  return Object.fromEntries(
    result.outputFiles.map((file) => [file.path.slice("/bench/".length), file.text] as const),
  );
}

const SCRIPT = { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" };

/**
 * Routes the bench adds to the demo app: `/bench/ours?name=&session=` (a `<p2p-frame>` held in a
 * template until the scheduled join), `/bench/peerjs` (the PeerJS client from node_modules), and
 * their scripts. Both pages share the demo's origin, 127.0.0.1.
 */
export async function benchRoutes(root: string, peerjsBundle: string | undefined): Promise<Route[]> {
  const scripts = await bundlePages(root);
  const peerjs = peerjsBundle ? readFileSync(peerjsBundle, "utf8") : "";
  const page = (title: string, body: ReturnType<typeof html>) => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">
${actionCableMetaTag("/cable")}</head><body>${body}</body></html>`;
  return [
    {
      method: "GET",
      path: "/bench/ours",
      handle(request, response, _params, context) {
        const query = new URL(request.url ?? "/", "http://127.0.0.1").searchParams;
        const frame = p2pFrameTag(context.cable.signer, {
          sessionId: query.get("session")!,
          peerId: query.get("name")!,
          config: { iceServers: [] },
        });
        sendHtml(
          response,
          page(
            "bench: ours",
            html`<template>${frame}</template><script type="module" src="/bench/ours_page.js"></script>`,
          ),
        );
      },
    },
    {
      method: "GET",
      path: "/bench/peerjs",
      handle(_request, response) {
        sendHtml(
          response,
          page(
            "bench: PeerJS",
            html`<script src="/bench/peerjs.min.js"></script><script type="module" src="/bench/peerjs_page.js"></script>`,
          ),
        );
      },
    },
    {
      method: "GET",
      path: /^\/bench\/((?:ours|peerjs)_page\.js|peerjs\.min\.js)$/,
      handle(_request, response, [name]) {
        const body = name === "peerjs.min.js" ? peerjs : scripts[name!]!;
        response.writeHead(200, SCRIPT).end(body);
      },
    },
  ];
}
