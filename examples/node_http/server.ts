// The chat on plain node:http: one request handler, and the cable on the same server's upgrades.
import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import { askNamePage, BUNDLE_URL, bundlePath, chatName, chatPage } from "../shared/chat_page.js";
import { chatCable, type ExampleOptions, type RunningExample, runIfMain, urlOf } from "../shared/example.js";

export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const cable = chatCable(options);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "GET" && url.pathname === BUNDLE_URL) {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      createReadStream(bundlePath).pipe(response);
      return;
    }
    if (request.method === "GET" && url.pathname === "/") {
      const name = chatName(url.searchParams.get("name"));
      const page = name ? chatPage(cable.signer, { name, iceServers: options.iceServers }) : askNamePage();
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
  });
  cable.attach(server); // ws://…/cable

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, host, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: urlOf(host, port),
    cable,
    async close() {
      await cable.close(); // clients are told server_restart first
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

await runIfMain(import.meta.url, start);
