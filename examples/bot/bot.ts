// An echo bot: a Node peer in a chat session that answers every message with "echo: …".
// node --import tsx examples/bot/bot.ts 'http://127.0.0.1:3000/chat?name=bot&session=chat'
import { pathToFileURL } from "node:url";
import {
  createNodeSession,
  fetchSessionTicket,
  MessageTypes,
  type P2pSession,
} from "p2p-streams-channel/node";

/** Joins the session of a chat page URL (its token route is the same path plus `/token`). */
export async function startBot(pageUrl: string): Promise<P2pSession> {
  const url = new URL(pageUrl);
  url.pathname += "/token";
  const ticket = await fetchSessionTicket(url);
  const session = createNodeSession({ ...ticket.config, ...ticket });
  session.on("message", ({ type, senderId, data }) => {
    // Every message comes back through the host, the bot's own included: answer the others only.
    if (type === MessageTypes.data && senderId !== session.peerId) void session.send(`echo: ${String(data)}`);
  });
  session.on("error", ({ error }) => console.error(`bot: ${error.reason}: ${error.message}`));
  session.start();
  return session;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const session = await startBot(process.argv[2] ?? "http://127.0.0.1:3000/chat?name=bot&session=chat");
  console.log(`bot joined "${session.sessionId}" as "${session.peerId}"`);
  const stop = () => {
    session.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
