import { createServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { Reasons } from "../protocol/errors.js";
import { type Logger, silentLogger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import { MemoryPubSub } from "../pubsub/memory.js";
import { ANONYMOUS } from "./authentication.js";
import type { ChannelClass } from "./channel.js";
import type { CableHandle } from "./channel_context.js";
import { Connection, type ConnectionHost } from "./connection.js";
import { ConnectionSet } from "./connection_set.js";
import { type CableObserver, ObserverSet } from "./observer.js";
import { type CableServerOptions, cableSettings, requireSecret } from "./server_options.js";
import { SessionParking } from "./session_parking.js";
import { Signer } from "./signer.js";
import { UpgradeHandler } from "./upgrade.js";

export type { CableServerOptions } from "./server_options.js";

const ignorePosition = (): void => {};

export { cableDefaults } from "./server_options.js";

/**
 * An Action Cable server on `ws`. Attach it to any Node `http.Server` (Express, Fastify and
 * Hono's node server all expose one), or let it listen on its own port.
 *
 * @example
 * const cable = new CableServer({ channels: [TurboStreamsChannel] });
 * cable.attach(httpServer);                    // serves ws://host/cable
 * await cable.broadcast("room:1", "<turbo-stream …>");
 * await cable.close();                         // every client gets server_restart, reconnect true
 */
export class CableServer {
  readonly path: string;
  readonly pubsub: PubSub;
  readonly signer: Signer;
  readonly logger: Logger;

  readonly #channels = new Map<string, ChannelClass>();
  readonly #observers: ObserverSet;
  readonly #connections: ConnectionSet;
  readonly #upgrade: UpgradeHandler;
  readonly #host: ConnectionHost;
  readonly #parking: SessionParking;
  readonly #ownsPubSub: boolean;
  readonly #closeTimeoutMs: number;
  readonly #stopTimers: () => void;
  #ownServer: HttpServer | undefined;
  #subscriptions = 0;
  #closed: Promise<void> | undefined;

  constructor(options: CableServerOptions) {
    const settings = cableSettings(options);
    this.#closeTimeoutMs = settings.closeTimeoutMs;
    this.path = settings.path;
    this.logger = options.logger ?? silentLogger;
    this.#ownsPubSub = !options.pubsub;
    this.pubsub = options.pubsub ?? new MemoryPubSub({ logger: this.logger });
    this.signer = options.signer ?? new Signer(options.secret ?? requireSecret());
    this.#observers = new ObserverSet((error) =>
      this.logger.error("observer failed", { error: String(error) }),
    );
    if (options.observer) this.#observers.add(options.observer);
    for (const channel of options.channels) {
      if (!channel.channelName)
        throw new TypeError(`channel class ${channel.name} has no static channelName`);
      this.#channels.set(channel.channelName, channel);
    }
    this.#connections = new ConnectionSet(this.#observers);
    const cable: CableHandle = {
      pubsub: this.pubsub,
      signer: this.signer,
      logger: this.logger,
      broadcast: (stream, message) => this.broadcast(stream, message),
    };
    this.#parking = new SessionParking({
      ttlMs: settings.sessionTtlMs,
      store: options.sessionStore,
      pubsub: this.pubsub,
      logger: this.logger,
    });
    this.#host = {
      ...settings,
      parking: this.#parking,
      cable,
      logger: this.logger,
      observer: this.#observers,
      channel: (name) => this.#channels.get(name),
      // One frozen identity for everyone, not an object per socket.
      authenticate: options.authenticate ?? (() => ANONYMOUS),
      subscriptionsChanged: (delta) => {
        this.#subscriptions += delta;
      },
      closed: (connection) => this.#connections.forget(connection),
    };
    this.#upgrade = new UpgradeHandler({
      path: settings.path,
      allowedOrigins: settings.allowedOrigins,
      maxMessageBytes: settings.maxMessageBytes,
      extendedProtocol: settings.extendedProtocol,
      logger: this.logger,
      observer: this.#observers,
      opened: (socket, request) => this.#connections.add(new Connection(socket, request, this.#host)),
    });
    this.#stopTimers = this.#connections.keepAlive(settings);
  }

  /**
   * Registers an observer of connections, subscriptions and messages; returns the function that
   * removes it. `cableMetrics` is one.
   */
  observe(observer: CableObserver): () => void {
    return this.#observers.add(observer);
  }

  /** Serves the cable on `server` at `path`, through its `upgrade` event. */
  attach(server: HttpServer): this {
    this.#upgrade.attach(server);
    return this;
  }

  /** Standalone form: an HTTP server of its own that answers only the cable. Resolves to the bound port. */
  async listen(port = 0, host = "127.0.0.1"): Promise<number> {
    const server = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" }).end("Page not found");
    });
    this.#ownServer = server;
    this.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  /**
   * Handles one upgrade request: for frameworks that route upgrades themselves.
   * Returns false when the path is not the cable's, leaving the socket untouched.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.#upgrade.handle(request, socket, head);
  }

  /**
   * Publishes `message` (any JSON value; a string for Turbo) to every subscriber of `stream`. With
   * a pub/sub that keeps history (both built-in ones do), it is kept in the stream's history at the
   * next offset, for extended-protocol clients that were away.
   */
  broadcast(stream: string, message: unknown): Promise<void> {
    // Not `async`: on the relay's hot path a second promise around the pub/sub's showed in profiles.
    try {
      const payload = JSON.stringify(message ?? null);
      const pubsub = this.pubsub;
      return pubsub.publishWithHistory
        ? pubsub.publishWithHistory(stream, payload).then(ignorePosition)
        : pubsub.publish(stream, payload);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The `channelName` of every registered channel class. */
  get channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  /** Open sockets and confirmed subscriptions, as `/health` reports them. */
  stats(): { connections: number; subscriptions: number } {
    return { connections: this.#connections.size, subscriptions: this.#subscriptions };
  }

  /**
   * Sends `disconnect` (`server_restart`, reconnect true) to every client; resolves once all are
   * closed and torn down, or at `closeTimeoutMs`, terminating and forgetting the ones left. The
   * pub/sub the server made is closed either way. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#upgrade.refuseAll();
    this.#stopTimers();
    try {
      const drained = this.#connections.drained();
      this.#connections.disconnectAll(Reasons.serverRestart, true);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#closeTimeoutMs);
      });
      await Promise.race([drained.then(() => this.#parking.closeAll()), deadline]).finally(() =>
        clearTimeout(timer),
      );
      this.#connections.abandonAll(this.#closeTimeoutMs, this.#host);
      this.#upgrade.close();
      if (this.#ownServer) {
        const server = this.#ownServer;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      if (this.#ownsPubSub) await this.pubsub.close();
    }
  }
}
