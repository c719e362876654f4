/** What `init` writes: one file for the server, one for the browser, in TypeScript or JavaScript. */
export interface InitTemplateOptions {
  typescript: boolean;
}

/** The server entry: the cable with every channel, Redis when `REDIS_URL` is set, and `mountCable`. */
export function serverEntryTemplate({ typescript }: InitTemplateOptions): string {
  return `// The signaling server of p2p-streams-channel, written by \`p2p-streams-channel init\`. Yours to edit.
${typescript ? 'import type { Server } from "node:http";\n' : ""}import {
  CableServer,
  createAdapters,
  createRoomChannel,
  createSignalingChannel,
  MemorySessionStore,
  p2pFrameTag,
  RoomSignalingChannel,
  TurboStreamsChannel,
} from "p2p-streams-channel/server";

// REDIS_URL set: pub/sub, sessions and room members go through Redis, so several processes act as one.
const adapters = createAdapters();

/** Needs P2P_SECRET (16+ characters, the same on every process): it signs who each page is. */
export const cable = new CableServer({
  channels: [
    createSignalingChannel({ store: adapters.store ?? new MemorySessionStore() }),
    // Mesh rooms of at most 8 members, counted in Redis when it is there, else in this process.
    createRoomChannel({ store: adapters.roomStore, maxMembers: 8 }),
    RoomSignalingChannel,
    TurboStreamsChannel,
  ],
  pubsub: adapters.pubsub,
  secret: process.env.P2P_SECRET,
});

/** Serves the cable at ws://…/cable on your http.Server (Express: what app.listen() returns; Fastify: app.server). */
export function mountCable(server${typescript ? ": Server" : ""}) {
  return cable.attach(server);
}

/** <p2p-frame> for one peer of a session, with a token signed for that peer: put it in your page. */
export function p2pFrame(sessionId${typescript ? ": string" : ""}, peerId${typescript ? ": string" : ""}) {
  return p2pFrameTag(cable.signer, { sessionId, peerId });
}
`;
}

/** The client entry: registers `<p2p-frame>`; the place to register Stimulus controllers. */
export function clientEntryTemplate({ typescript }: InitTemplateOptions): string {
  const detail = typescript
    ? "(event as CustomEvent<{ reason: string; message: string }>).detail"
    : "event.detail";
  return `// The browser side of p2p-streams-channel, written by \`p2p-streams-channel init\`.
// Add this file to your bundler's entry points (or import it from the one you have).
import { define } from "p2p-streams-channel/client";

define(); // registers <p2p-frame>

// With Stimulus, register what \`p2p-streams-channel generate controller NAME\` writes, e.g.:
//   import ChatController from "./controllers/chat_controller.js";
//   application.register("chat", ChatController);

document.addEventListener("p2p:error", (event) => {
  const { reason, message } = ${detail};
  console.error(\`p2p-streams-channel: \${reason}: \${message}\`);
});
`;
}
