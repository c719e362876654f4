// The chat on Fastify 5: routes as usual, and the cable on `app.server`, Fastify's http.Server.
import { createReadStream } from "node:fs";
import Fastify from "fastify";
import { BUNDLE_URL, bundlePath, chatPageFor } from "../shared/chat_page.js";
import { chatCable, runIfMain, type StartExample, urlOf } from "../shared/example.js";

export const start: StartExample = async (options = {}) => {
  const cable = chatCable(options);
  const app = Fastify();
  app.get(BUNDLE_URL, (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(createReadStream(bundlePath)),
  );
  app.get<{ Querystring: { name?: string } }>("/", (request, reply) => {
    const page = chatPageFor(cable.signer, request.query.name, { iceServers: options.iceServers });
    return reply.type("text/html; charset=utf-8").send(page);
  });
  cable.attach(app.server); // ws://…/cable
  // Closing Fastify closes the cable first, so clients are told server_restart.
  app.addHook("preClose", () => cable.close());

  const host = options.host ?? "127.0.0.1";
  await app.listen({ port: options.port ?? 3000, host });
  const { port } = app.server.address() as { port: number };
  return { url: urlOf(host, port), cable, close: () => app.close() };
};

await runIfMain(import.meta.url, start);
