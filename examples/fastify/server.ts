// The chat on Fastify 5: routes as usual, and the cable on `app.server`, Fastify's http.Server.
import { createReadStream } from "node:fs";
import Fastify from "fastify";
import { askNamePage, BUNDLE_URL, bundlePath, chatName, chatPage } from "../shared/chat_page.js";
import { chatCable, type ExampleOptions, type RunningExample, runIfMain, urlOf } from "../shared/example.js";

export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const cable = chatCable(options);
  const app = Fastify();
  app.get(BUNDLE_URL, (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(createReadStream(bundlePath)),
  );
  app.get<{ Querystring: { name?: string } }>("/", (request, reply) => {
    const name = chatName(request.query.name);
    return reply
      .type("text/html; charset=utf-8")
      .send(name ? chatPage(cable.signer, { name, iceServers: options.iceServers }) : askNamePage());
  });
  cable.attach(app.server); // ws://…/cable
  // Closing Fastify closes the cable first, so clients are told server_restart.
  app.addHook("preClose", () => cable.close());

  const host = options.host ?? "127.0.0.1";
  await app.listen({ port: options.port ?? 3000, host });
  const { port } = app.server.address() as { port: number };
  return { url: urlOf(host, port), cable, close: () => app.close() };
}

await runIfMain(import.meta.url, start);
