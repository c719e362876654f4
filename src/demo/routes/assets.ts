import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { notFound, type Route } from "../router.js";

// Works from the sources (tsx) and from dist/: both sit two levels below the package root.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url)).replace(/dist\/$/, "");
const BROWSER_DIR = `${ROOT.endsWith("/") ? ROOT : `${ROOT}/`}dist/browser/`;

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json",
};

export const assetRoutes: Route[] = [
  {
    method: "GET",
    path: /^\/assets\/([a-z0-9_.-]+\.(?:js|css|map))$/,
    async handle(_request, response, [name]) {
      try {
        const body = await readFile(BROWSER_DIR + name);
        const ext = name!.split(".").pop()!;
        response.writeHead(200, { "content-type": TYPES[ext]!, "cache-control": "no-cache" }).end(body);
      } catch {
        notFound(response);
      }
    },
  },
];
