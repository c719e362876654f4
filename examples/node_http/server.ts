// The chat on plain node:http: one request handler, and the cable on the same server's upgrades.
import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import { BUNDLE_URL, bundlePath, chatPageFor } from "../shared/chat_page.js";
import { chatCable, runIfMain, runningOn, type StartExample } from "../shared/example.js";

export const start: StartExample = async (options = {}) => {
  const cable = chatCable(options);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "GET" && url.pathname === BUNDLE_URL) {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      createReadStream(bundlePath).pipe(response);
      return;
    }
    if (request.method === "GET" && url.pathname === "/") {
      const page = chatPageFor(cable.signer, url.searchParams.get("name"), {
        iceServers: options.iceServers,
      });
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
  });
  cable.attach(server); // ws://…/cable

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, host, resolve));
  return runningOn(cable, server, host);
};

await runIfMain(import.meta.url, start);
