// Our Action Cable server with the bench relay channel, default options (memory pub/sub with
// stream history, 3 s JSON pings, 15 s liveness probes, both subprotocols), as an app would run
// it, but for the per-socket rate limit: a closed-loop load client sends far more than the 100
// frames a second a signaling peer may. The limit is raised, not turned off, so its token bucket
// is still paid for.
import { CableServer } from "../../src/server/index.js";
import { announce } from "./control.js";
import { BenchRelayChannel } from "./relay_channel.js";

/** Starts the cable and tells the orchestrator its ports, as the server kind `kind`. */
export async function serveCable(kind: "cable" | "cable_ext"): Promise<void> {
  const cable = new CableServer({
    channels: [BenchRelayChannel],
    secret: "bench-secret-0123456789abcdef",
    messageBurst: 1_000_000,
    messagesPerSecond: 1_000_000,
  });
  const port = await cable.listen(0, "127.0.0.1");
  await announce(kind, port);
}
