// The chat on Hono with @hono/node-server: `serve` returns the Node http.Server the cable attaches to.
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { BUNDLE_URL, bundlePath, chatPageFor } from "../shared/chat_page.js";
import { chatCable, runIfMain, runningOn, type StartExample } from "../shared/example.js";

export const start: StartExample = async (options = {}) => {
  const cable = chatCable(options);
  const app = new Hono();
  app.get(BUNDLE_URL, async (c) =>
    c.body(await readFile(bundlePath), 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.get("/", (c) =>
    c.html(chatPageFor(cable.signer, c.req.query("name"), { iceServers: options.iceServers })),
  );

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve) => {
    // An http.Server, unless `createServer` in the options says otherwise.
    const listening = serve({ fetch: app.fetch, port: options.port ?? 3000, hostname: host }, () =>
      resolve(listening as Server),
    );
  });
  cable.attach(server); // ws://…/cable
  return runningOn(cable, server, host);
};

await runIfMain(import.meta.url, start);
