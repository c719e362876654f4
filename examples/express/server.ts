// The chat on Express 5: routes as usual, and the cable on the http.Server that `listen` returns.
import express from "express";
import { BUNDLE_URL, bundlePath, chatPageFor } from "../shared/chat_page.js";
import { chatCable, runIfMain, runningOn, type StartExample } from "../shared/example.js";

export const start: StartExample = async (options = {}) => {
  const cable = chatCable(options);
  const app = express();
  app.get(BUNDLE_URL, (_request, response) => response.sendFile(bundlePath));
  app.get("/", (request, response) => {
    const name = typeof request.query.name === "string" ? request.query.name : null;
    response.type("html").send(chatPageFor(cable.signer, name, { iceServers: options.iceServers }));
  });

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const listening = app.listen(options.port ?? 3000, host, (error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  cable.attach(server); // ws://…/cable
  return runningOn(cable, server, host);
};

await runIfMain(import.meta.url, start);
