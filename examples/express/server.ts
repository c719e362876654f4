// The chat on Express 5: routes as usual, and the cable on the http.Server that `listen` returns.
import express from "express";
import { askNamePage, BUNDLE_URL, bundlePath, chatName, chatPage } from "../shared/chat_page.js";
import { chatCable, type ExampleOptions, type RunningExample, runIfMain, urlOf } from "../shared/example.js";

export async function start(options: ExampleOptions = {}): Promise<RunningExample> {
  const cable = chatCable(options);
  const app = express();
  app.get(BUNDLE_URL, (_request, response) => response.sendFile(bundlePath));
  app.get("/", (request, response) => {
    const name = chatName(typeof request.query.name === "string" ? request.query.name : null);
    response
      .type("html")
      .send(name ? chatPage(cable.signer, { name, iceServers: options.iceServers }) : askNamePage());
  });

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const listening = app.listen(options.port ?? 3000, host, (error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  cable.attach(server); // ws://…/cable
  const { port } = server.address() as { port: number };
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
