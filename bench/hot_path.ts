// The cable's own JavaScript per relayed message, without sockets: one `Connection` on a stand-in
// socket relays frames (as bench/load/clients/cable.ts sends them) to a second one through
// BenchRelayChannel and the memory pub/sub, and the process CPU time is divided by the messages.
// No kernel, no ws framing, no other process: what is left is parsing, the queue, the channel,
// the broadcast, building frames and GC, which is what the hot-path work changes, measured the
// same way on a busy machine as on an idle one (the relay figure's CPU µs/msg is not).
// With `subscribers` > 1, every message goes to that many subscribers of one identifier (a
// fan-out, as a Turbo stream's viewers): then the figure is per delivery.
//   node --import tsx bench/hot_path.ts [messages=200000] [plain|ext] [subscribers=1]
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { ANONYMOUS } from "../src/cable/authentication.js";
import { Connection, type ConnectionHost } from "../src/cable/connection.js";
import { ObserverSet } from "../src/cable/observer.js";
import { EXT_PROTOCOL, PROTOCOL } from "../src/cable/protocol.js";
import { CableServer } from "../src/cable/server.js";
import { cableSettings } from "../src/cable/server_options.js";
import { SessionParking } from "../src/cable/session_parking.js";
import { silentLogger } from "../src/protocol/logger.js";
import { CANDIDATE_FILLER } from "./load/client.js";
import { BenchRelayChannel } from "./servers/relay_channel.js";

/** Just what `Connection` uses of a `ws` socket; counts the frames and bytes it is handed. */
class StandInSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  frames = 0;
  bytes = 0;
  constructor(readonly protocol: string) {
    super();
  }
  /** What ws does with a frame before its write: measure a text's UTF-8 length (flattening it). */
  send(data: string | Buffer): void {
    this.bytes += typeof data === "string" ? Buffer.byteLength(data) : data.length;
    this.frames++;
  }
  close(): void {}
  terminate(): void {}
  ping(): void {}
}

const messages = Number(process.argv[2] ?? 200_000);
const protocol = process.argv[3] === "ext" ? EXT_PROTOCOL : PROTOCOL;
const subscribers = Number(process.argv[4] ?? 1);
const settings = cableSettings({
  channels: [BenchRelayChannel],
  secret: "bench-secret-0123456789abcdef",
  messageBurst: 1_000_000,
  messagesPerSecond: 1_000_000,
});
// The server's own broadcast and pub/sub; it never listens.
const server = new CableServer({ channels: [BenchRelayChannel], secret: "bench-secret-0123456789abcdef" });
const pubsub = server.pubsub;
const host: ConnectionHost = {
  ...settings,
  cable: {
    pubsub,
    signer: server.signer,
    logger: silentLogger,
    broadcast: (stream, message) => server.broadcast(stream, message),
  },
  logger: silentLogger,
  observer: new ObserverSet(() => {}),
  channel: (name) => (name === BenchRelayChannel.channelName ? BenchRelayChannel : undefined),
  authenticate: () => ANONYMOUS,
  parking: new SessionParking({
    ttlMs: settings.sessionTtlMs,
    store: undefined,
    pubsub,
    logger: silentLogger,
  }),
  subscriptionsChanged: () => {},
  closed: () => {},
};
const request = { url: "/cable", headers: {}, socket: { remoteAddress: "127.0.0.1" } } as IncomingMessage;
const identifier = (id: string) => JSON.stringify({ channel: "BenchRelayChannel", id });

/** A connection subscribed as `id`, once confirmed. */
async function open(id: string): Promise<StandInSocket> {
  const socket = new StandInSocket(protocol);
  new Connection(socket as unknown as WebSocket, request, host);
  socket.emit(
    "message",
    Buffer.from(JSON.stringify({ command: "subscribe", identifier: identifier(id) })),
    false,
  );
  while (socket.frames < 1) await new Promise((resolve) => setImmediate(resolve));
  return socket;
}

const sender = await open("a");
const receivers: StandInSocket[] = [];
for (let i = 0; i < subscribers; i++) receivers.push(await open("b"));
const receiver = receivers.at(-1)!;
const prefix = `{"command":"message","identifier":${JSON.stringify(identifier("a"))},"data":`;
const frame = (k: number) =>
  Buffer.from(
    `${prefix}${JSON.stringify(JSON.stringify({ action: "relay", to: "b", body: { t: performance.now(), k, c: CANDIDATE_FILLER } }))}}`,
  );
// Frames built beforehand: the stand-in client's work is not the server's.
const batch = Array.from({ length: 100 }, (_, k) => frame(k));
const run = async (count: number) => {
  const target = receiver.frames + count;
  for (let sent = 0; sent < count; sent += batch.length) {
    for (const data of batch) sender.emit("message", data, false);
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (receiver.frames < target) await new Promise((resolve) => setImmediate(resolve));
};
const rounds = Math.ceil(messages / subscribers / batch.length) * batch.length;
await run(Math.min(20_000, rounds)); // warm-up: JIT
const before = process.cpuUsage();
const started = performance.now();
await run(rounds);
const deliveries = rounds * subscribers;
const cpu = process.cpuUsage(before);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${protocol}, ${subscribers} subscriber(s) per message: ${deliveries} deliveries, ` +
    `${((cpu.user + cpu.system) / deliveries).toFixed(2)} µs CPU each (${Math.round(deliveries / seconds)}/s on one core)\n`,
);
process.exit(0);
