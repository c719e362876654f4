// One server node of bench/redis_scale.ts: a CableServer on a free port whose pub/sub and session
// store are Redis. Prints `listening <port>` on stdout; stops on SIGTERM.
import { parseArgs } from "node:util";
import { Channel } from "../src/cable/channel.js";
import { CableServer } from "../src/cable/server.js";
import { RedisPubSub } from "../src/pubsub/redis.js";
import { RedisSessionStore } from "../src/store/redis.js";

const { values } = parseArgs({ options: { redis: { type: "string" } } });
if (!values.redis) throw new Error("usage: redis_scale_node.ts --redis URL");
const pubsub = new RedisPubSub({ url: values.redis });
const store = new RedisSessionStore({ url: values.redis });

/** `speak` broadcasts to the room on every node; `join` runs the store's atomic join. */
class BenchChannel extends Channel {
  static override readonly channelName = "BenchChannel";
  static override readonly actions = ["speak", "join"];

  override async subscribed(): Promise<void> {
    await this.streamFrom(`bench:${String(this.params.room)}`);
  }

  speak(data: Record<string, unknown>): Promise<void> {
    return this.broadcast(`bench:${String(this.params.room)}`, data.body);
  }

  async join(data: Record<string, unknown>): Promise<void> {
    const result = await store.join(String(data.session), String(data.peer), { maxPeers: 100 });
    this.transmit({ type: "joined", seq: data.seq, isHost: result.isHost });
  }
}

const cable = new CableServer({
  channels: [BenchChannel],
  pubsub,
  secret: "bench-secret-0123456789abcdef",
  allowedOrigins: "any",
  maxBufferedBytes: 64 * 1024 * 1024,
  // One publisher sends the whole burst at once: far past the 500-frame bucket a peer gets.
  messageBurst: 1_000_000,
  messagesPerSecond: 1_000_000,
});
const port = await cable.listen(0);
process.stdout.write(`listening ${port}\n`);
process.once("SIGTERM", async () => {
  await cable.close();
  await Promise.all([pubsub.close(), store.close()]);
  process.exit(0);
});
