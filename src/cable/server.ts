import { createServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { Reasons } from "../protocol/errors.js";
import { type Logger, silentLogger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import { MemoryPubSub } from "../pubsub/memory.js";
import type { Authenticate } from "./authentication.js";
import type { CableHandle, ChannelClass } from "./channel.js";
import { Connection, type ConnectionHost, type Identity } from "./connection.js";
import { type CableObserver, ObservedReasons, ObserverSet } from "./observer.js";
import { type OriginPolicy, originAllowed } from "./origin.js";
import { pingFrame, selectProtocol } from "./protocol.js";
import { Signer } from "./signer.js";
import { teardownFailed } from "./teardown.js";

/** Everything a `CableServer` can be told; only `channels` and a secret (or `P2P_SECRET`) are needed. */
export interface CableServerOptions {
  /** Channel classes clients may subscribe to, looked up by their `channelName`. */
  channels: ChannelClass[];
  /** URL path of the cable. Default `/cable`. */
  path?: string;
  /** Pub/sub used by `streamFrom` and `broadcast`. Default: a new `MemoryPubSub`, closed with the server. */
  pubsub?: PubSub;
  /** Signs and verifies tokens and Turbo stream names. Default: from `secret`, then `P2P_SECRET`. */
  signer?: Signer;
  /** Secret for the default signer (at least 16 characters). */
  secret?: string;
  /**
   * Decides who a socket is. Return an identity object, or `null` to refuse: the client then gets
   * `disconnect` with reason `unauthorized` and `reconnect: false`. Default: everyone, identity `{}`.
   */
  authenticate?: Authenticate;
  /**
   * How long `authenticate` may take, in milliseconds. Default 5000. One that has not answered by
   * then is refused like a `null` (`unauthorized`, `reconnect: false`) and logged, so a hanging
   * callback cannot hold the socket's commands or its teardown.
   */
  authenticateTimeoutMs?: number;
  /** Which browser origins may open the cable. Default `"same-origin"` (the request's own host). */
  allowedOrigins?: OriginPolicy;
  /** Largest accepted frame, in bytes. A larger one disconnects with `message_too_big`. Default 64 KiB. */
  maxMessageBytes?: number;
  /** A socket whose unsent output exceeds this is disconnected with `too_slow`. Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * Subscriptions one socket may hold. Default 32. One more is rejected after an error with
   * reason `too_many_subscriptions` on its identifier.
   */
  maxSubscriptions?: number;
  /**
   * Frames one socket may send back to back (the token bucket's size). Default 500: a host
   * answering many joiners at once sends an offer and a dozen candidates to each.
   */
  messageBurst?: number;
  /**
   * Frames a second one socket may send, sustained (the bucket's refill rate). Default 100.
   * A frame over the rate is dropped and answered with `rate_limited` on its identifier; other
   * sockets are unaffected. `Infinity` turns the limit off.
   */
  messagesPerSecond?: number;
  /**
   * Frames dropped in one overload (until the bucket is full again) before the socket is
   * disconnected with `rate_limited`, `reconnect: true`. Default 100.
   */
  maxThrottledMessages?: number;
  /** Milliseconds clock of the rate limit. Default `performance.now`; tests inject their own. */
  now?: () => number;
  /** JSON `ping` interval. Default 3000 ms, as Rails; clients think a socket stale after 6 s. */
  pingIntervalMs?: number;
  /** Native WebSocket ping rounds: a socket silent for two rounds is terminated. Default 15000 ms. */
  livenessIntervalMs?: number;
  /**
   * How long `close()` waits for sockets to close and their teardown to finish, in milliseconds.
   * Default 5000. Sockets still there at the deadline are terminated and forgotten (reported as
   * `teardown failed`, step `abandoned`), so a hanging `unsubscribed` cannot hold the shutdown.
   */
  closeTimeoutMs?: number;
  logger?: Logger;
  /** Told about connections, subscriptions and messages (metrics, audit). More with `observe()`. */
  observer?: CableObserver;
}

/** Defaults of `CableServerOptions`, for docs and for options derived from them. */
export const cableDefaults = {
  path: "/cable",
  allowedOrigins: "same-origin" as OriginPolicy,
  maxMessageBytes: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxSubscriptions: 32,
  messageBurst: 500,
  messagesPerSecond: 100,
  maxThrottledMessages: 100,
  pingIntervalMs: 3000,
  livenessIntervalMs: 15_000,
  authenticateTimeoutMs: 5000,
  closeTimeoutMs: 5000,
} as const;

// The longest delay setTimeout keeps: beyond it, Node fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

// ws rejects frames above this before buffering them; between maxMessageBytes and this
// ceiling the client gets a proper `disconnect` frame with a reason.
const HARD_FRAME_CEILING = 1024 * 1024;

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
  readonly #connections = new Set<Connection>();
  readonly #wss: WebSocketServer;
  readonly #ownsPubSub: boolean;
  readonly #host: ConnectionHost;
  readonly #options: CableServerOptions;
  readonly #attached: HttpServer[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #drained = new Set<() => void>();
  readonly #observers: ObserverSet;
  #ownServer: HttpServer | undefined;
  #subscriptions = 0;
  #closing = false;
  #closed: Promise<void> | undefined;
  readonly #closeTimeoutMs: number;

  constructor(options: CableServerOptions) {
    this.#options = options;
    this.#closeTimeoutMs = timeout(options, "closeTimeoutMs", 0);
    this.path = options.path ?? cableDefaults.path;
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
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: Math.max(HARD_FRAME_CEILING, options.maxMessageBytes ?? 0),
      perMessageDeflate: false,
      handleProtocols: (offered) => selectProtocol(offered),
    });
    const cable: CableHandle = {
      pubsub: this.pubsub,
      signer: this.signer,
      logger: this.logger,
      broadcast: (stream, message) => this.broadcast(stream, message),
    };
    // One frozen identity for everyone, not an object per socket.
    const authenticate = options.authenticate ?? (() => ANONYMOUS);
    this.#host = {
      cable,
      logger: this.logger,
      observer: this.#observers,
      maxMessageBytes: options.maxMessageBytes ?? cableDefaults.maxMessageBytes,
      maxBufferedBytes: options.maxBufferedBytes ?? cableDefaults.maxBufferedBytes,
      maxSubscriptions: options.maxSubscriptions ?? cableDefaults.maxSubscriptions,
      ...rateLimit(options),
      channel: (name) => this.#channels.get(name),
      authenticate,
      authenticateTimeoutMs: timeout(options, "authenticateTimeoutMs", 1),
      subscriptionsChanged: (delta) => {
        this.#subscriptions += delta;
      },
      closed: (connection) => this.#forget(connection),
    };
    this.#startTimers();
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
    server.on("upgrade", this.#onUpgrade);
    this.#attached.push(server);
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
    const path = (request.url ?? "").split("?", 1)[0];
    if (path !== this.path) return false;
    if (this.#closing) {
      this.#observers.upgradeRefused(ObservedReasons.serverShuttingDown);
      refuse(socket, 503, "Server is shutting down");
      return true;
    }
    const policy = this.#options.allowedOrigins ?? cableDefaults.allowedOrigins;
    if (!originAllowed(policy, request)) {
      this.logger.warn("origin refused", { origin: request.headers.origin, host: request.headers.host });
      this.#observers.upgradeRefused(ObservedReasons.forbiddenOrigin);
      refuse(socket, 403, "Origin not allowed");
      return true;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new Connection(ws, request, this.#host);
      this.#connections.add(connection);
      this.#observers.connectionOpened(connection);
    });
    return true;
  }

  /** Publishes `message` (any JSON value; a string for Turbo) to every subscriber of `stream`. */
  broadcast(stream: string, message: unknown): Promise<void> {
    return this.pubsub.publish(stream, JSON.stringify(message ?? null));
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
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    try {
      const drained = new Promise<void>((resolve) => {
        if (this.#connections.size === 0) resolve();
        else this.#drained.add(resolve);
      });
      for (const connection of this.#connections) connection.disconnect(Reasons.serverRestart, true);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#closeTimeoutMs);
      });
      await Promise.race([drained, deadline]).finally(() => clearTimeout(timer));
      this.#abandonAll();
      for (const server of this.#attached) server.off("upgrade", this.#onUpgrade);
      this.#wss.close();
      if (this.#ownServer) {
        const server = this.#ownServer;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      if (this.#ownsPubSub) await this.pubsub.close();
    }
  }

  /** At the close deadline: terminates what is still open and forgets it, whatever its teardown does. */
  #abandonAll(): void {
    const timeoutMs = this.#closeTimeoutMs;
    for (const connection of [...this.#connections]) {
      const error = new Error(`connection ${connection.id} still open or tearing down after ${timeoutMs} ms`);
      teardownFailed(connection, { step: "abandoned" }, error, this.#host);
      connection.abandon();
      this.#forget(connection);
    }
  }

  #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      if (!this.handleUpgrade(request, socket, head) && this.#onlyUpgradeListener(request)) {
        refuse(socket, 404, "Page not found");
      }
    } catch (error) {
      this.logger.error("upgrade failed", { error: String(error) });
      socket.destroy();
    }
  };

  #onlyUpgradeListener(request: IncomingMessage): boolean {
    const server = this.#attached.find(
      (s) => s === (request.socket as unknown as { server?: HttpServer }).server,
    );
    return (server ?? this.#attached[0])?.listenerCount("upgrade") === 1;
  }

  #forget(connection: Connection): void {
    if (!this.#connections.delete(connection)) return; // already forgotten at the close deadline
    this.#observers.connectionClosed(connection, connection.closeReason);
    if (this.#connections.size === 0) {
      for (const resolve of this.#drained) resolve();
      this.#drained.clear();
    }
  }

  #startTimers(): void {
    const pingEvery = this.#options.pingIntervalMs ?? cableDefaults.pingIntervalMs;
    const probeEvery = this.#options.livenessIntervalMs ?? cableDefaults.livenessIntervalMs;
    const ping = setInterval(() => {
      const frame = pingFrame(Date.now());
      for (const connection of this.#connections) if (connection.welcomed) connection.sendRaw(frame);
    }, pingEvery);
    const probe = setInterval(() => {
      for (const connection of this.#connections) connection.probe();
    }, probeEvery);
    ping.unref();
    probe.unref();
    this.#timers.push(ping, probe);
  }
}

const ANONYMOUS: Identity = Object.freeze({});

function rateLimit(options: CableServerOptions) {
  const messageBurst = options.messageBurst ?? cableDefaults.messageBurst;
  const messagesPerSecond = options.messagesPerSecond ?? cableDefaults.messagesPerSecond;
  const maxThrottledMessages = options.maxThrottledMessages ?? cableDefaults.maxThrottledMessages;
  if (!(Number.isInteger(messageBurst) && messageBurst >= 1)) {
    throw new TypeError(`messageBurst must be a positive integer, got ${messageBurst}`);
  }
  if (!(messagesPerSecond > 0)) {
    throw new TypeError(`messagesPerSecond must be a positive number or Infinity, got ${messagesPerSecond}`);
  }
  if (!(Number.isInteger(maxThrottledMessages) && maxThrottledMessages >= 0)) {
    throw new TypeError(`maxThrottledMessages must be a whole number, got ${maxThrottledMessages}`);
  }
  const now = options.now ?? performance.now.bind(performance);
  return { messageBurst, messagesPerSecond, maxThrottledMessages, now };
}

function timeout(options: CableServerOptions, name: "authenticateTimeoutMs" | "closeTimeoutMs", min: number) {
  const value = options[name] ?? cableDefaults[name];
  if (!(typeof value === "number" && value >= min && value <= MAX_TIMER_MS)) {
    throw new TypeError(
      `${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${value}`,
    );
  }
  return value;
}

function requireSecret(): string {
  const secret = process.env.P2P_SECRET;
  if (!secret) {
    throw new TypeError("CableServer needs a signing secret: pass `secret` or `signer`, or set P2P_SECRET");
  }
  return secret;
}

function refuse(socket: Duplex, status: number, text: string): void {
  const reason = status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Service Unavailable";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${
      Buffer.byteLength(text) + 1
    }\r\n\r\n${text}\n`,
  );
}
