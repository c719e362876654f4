import { createServer, type Server } from "node:http";
import { Registry } from "prom-client";
import type { ChannelClass } from "../cable/channel.js";
import { CableServer } from "../cable/server.js";
import { Signer } from "../cable/signer.js";
import type { RelayOptions } from "../channels/relay_budget.js";
import { createRoomChannel } from "../channels/room_channel.js";
import { createRoomSignalingChannel } from "../channels/room_signaling_channel.js";
import { createSignalingChannel } from "../channels/signaling_channel.js";
import { TurboStreamsChannel } from "../channels/turbo_streams_channel.js";
import { checkIceOptions, type IceOptions } from "../identity/turn_credentials.js";
import { type Logger, silentLogger } from "../protocol/logger.js";
import type { VideoCapOptions } from "../protocol/room_messages.js";
import type { PubSub } from "../pubsub/adapter.js";
import { type Adapters, createAdapters } from "../server/adapters.js";
import { type CableMetrics, cableMetrics } from "../server/cable_metrics.js";
import { relayMetrics } from "../server/relay_metrics.js";
import { MemorySessionStore } from "../store/memory.js";
import { type DemoContext, match, notFound, type Route } from "./router.js";
import { assetRoutes } from "./routes/assets.js";
import { chatRoutes } from "./routes/chat.js";
import { healthRoutes } from "./routes/health.js";
import { homeRoutes } from "./routes/home.js";
import { metricsRoutes } from "./routes/metrics.js";
import { roomRoutes } from "./routes/rooms.js";

export interface DemoOptions {
  /** Signing secret; when absent a fresh one is generated for this run (and logged as such). */
  secret?: string;
  logger?: Logger;
  /** ICE servers for the pages. Default none: peers on one host or LAN need none. */
  iceServers?: RTCIceServer[];
  /**
   * STUN and TURN with credentials minted per page (coturn's `use-auth-secret`), and the transport
   * policy: handed to the chat and room pages and kept fresh by the session channel.
   */
  ice?: IceOptions;
  pubsub?: PubSub;
  /** Redis URL: Redis pub/sub, session and room stores, so N demo processes sharing one Redis act as one. */
  redisUrl?: string;
  /** Most members of one video room; one more is refused with `room_full`. Default 8 (`roomChannelDefaults`). */
  roomMaxMembers?: number;
  /** Video caps handed to room pages (`RoomOptions`): when members cap their video, and how hard. */
  roomVideoCaps?: VideoCapOptions;
  /**
   * Session data through the server for members without a data channel (`createSignalingChannel`'s
   * `relay`, counted at `/metrics`). `false`: never. Default on, with `relayDefaults`.
   */
  relay?: false | Omit<RelayOptions, "observer">;
  /** Extra channels and routes, for apps that build on the demo. */
  channels?: ChannelClass[];
  routes?: Route[];
}

export interface DemoApp {
  readonly server: Server;
  readonly cable: CableServer;
  /** Prometheus metrics of the cable (served at `/metrics`). */
  readonly metrics: CableMetrics;
  /** The Redis adapters when `redisUrl` was given (closed by `close`). */
  readonly adapters: Adapters | undefined;
  /** Binds and resolves to the URL it listens on. */
  listen(port: number, host: string): Promise<string>;
  /** Closes the cable (clients told `server_restart`) and the HTTP server. */
  close(): Promise<void>;
}

/** The demo: home, chat (sessions), rooms (mesh video), health and metrics, with the cable at /cable. */
export function createDemoApp(options: DemoOptions = {}): DemoApp {
  const logger = options.logger ?? silentLogger;
  const secret = options.secret ?? process.env.P2P_SECRET;
  if (!secret) logger.info("no secret given: generated one for this run (tokens die with the process)");
  const signer = new Signer(secret ?? Signer.generateSecret());

  const routes: Route[] = [
    ...homeRoutes,
    ...healthRoutes,
    ...metricsRoutes,
    ...assetRoutes,
    ...roomRoutes,
    ...chatRoutes,
    ...(options.routes ?? []),
  ];
  const adapters = options.redisUrl ? createAdapters({ redisUrl: options.redisUrl, logger }) : undefined;
  // Sessions: the shared Redis store with N processes, this process's memory otherwise.
  const ice = checkIceOptions(options.ice);
  const registry = new Registry();
  const signaling = createSignalingChannel({
    store: adapters?.store ?? new MemorySessionStore(),
    ice,
    relay: options.relay === false ? false : { ...options.relay, observer: relayMetrics(registry) },
  });
  // Rooms: the cap counted in Redis with N processes, in this cable's memory otherwise.
  const room = createRoomChannel({ store: adapters?.roomStore, maxMembers: options.roomMaxMembers });
  const channels: ChannelClass[] = [
    TurboStreamsChannel,
    room,
    createRoomSignalingChannel({ ice }),
    signaling,
    ...(options.channels ?? []),
  ];
  const cable = new CableServer({ channels, signer, logger, pubsub: options.pubsub ?? adapters?.pubsub });
  const services: Record<string, unknown> = adapters?.store ? { store: adapters.store } : {};
  const metrics = cableMetrics(cable, registry);
  const context: DemoContext = {
    cable,
    logger,
    metrics,
    iceServers: options.iceServers ?? [],
    ice,
    roomVideoCaps: options.roomVideoCaps ?? {},
    services,
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?", 1)[0]!;
    const found = match(routes, request.method ?? "GET", path);
    if (!found) return notFound(response);
    Promise.resolve(found.route.handle(request, response, found.params, context)).catch((error) => {
      logger.error("request failed", { path, error: String(error) });
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end("Internal server error\n");
    });
  });
  cable.attach(server);

  return {
    server,
    cable,
    adapters,
    metrics,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
    },
    async close() {
      await cable.close();
      await adapters?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
