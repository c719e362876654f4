// Server under test of the session_relay figure: our CableServer with the sessions' own
// SignalingChannel on a MemorySessionStore, as an app runs it. `--limits=default`: every option
// at its default, the relay's `relayDefaults` and the cable's per-socket rate limit included (the
// rate a user gets). `--limits=raised`: both raised far past what the load can send (the
// server's own ceiling); a frame's `maxBytes` stays the default, which the load's frames fit.
import { CableServer, createSignalingChannel, MemorySessionStore } from "../../src/server/index.js";
import { announce, SIGNALING_SECRET } from "./control.js";

const raised = process.argv.includes("--limits=raised");
const unlimited = 1e12;
const cable = new CableServer({
  channels: [
    createSignalingChannel({
      store: new MemorySessionStore(),
      ...(raised
        ? {
            relay: {
              messagesPerSecond: unlimited,
              messageBurst: unlimited,
              bytesPerSecond: unlimited,
              byteBurst: unlimited,
            },
          }
        : {}),
    }),
  ],
  secret: SIGNALING_SECRET,
  // Raised, not turned off (as `cable_server.ts`): its token bucket is still paid for.
  ...(raised ? { messageBurst: 1_000_000, messagesPerSecond: 1_000_000 } : {}),
});
const port = await cable.listen(0, "127.0.0.1");
await announce("signaling", port);
