// The chat on Hono with @hono/node-server: `serve` returns the Node http.Server the cable attaches to.
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { askNamePage, BUNDLE_URL, bundlePath, chatName, chatPage } from "../shared/chat_page.js";
import { chatCable, type ExampleOptions, type RunningExample, runIfMain, urlOf } from "../shared/example.js";

export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const cable = chatCable(options);
  const app = new Hono();
  app.get(BUNDLE_URL, async (c) =>
    c.body(await readFile(bundlePath), 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.get("/", (c) => {
    const name = chatName(c.req.query("name"));
    return c.html(name ? chatPage(cable.signer, { name, iceServers: options.iceServers }) : askNamePage());
  });

  const host = options.host ?? "127.0.0.1";
  let server!: Server;
  const port = await new Promise<number>((resolve) => {
    // An http.Server, unless `createServer` in the options says otherwise.
    server = serve({ fetch: app.fetch, port: options.port ?? 3000, hostname: host }, (info) =>
      resolve(info.port),
    ) as Server;
  });
  cable.attach(server); // ws://…/cable
  return {
    url: urlOf(host, port),
    cable,
    async close() {
      await cable.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

await runIfMain(import.meta.url, start);
