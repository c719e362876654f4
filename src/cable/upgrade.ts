import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../protocol/logger.js";
import { ObservedReasons, type ObserverSet } from "./observer.js";
import { type OriginPolicy, originAllowed } from "./origin.js";
import { selectProtocol } from "./protocol.js";

// ws rejects frames above this before buffering them; between maxMessageBytes and this
// ceiling the client gets a proper `disconnect` frame with a reason.
const HARD_FRAME_CEILING = 1024 * 1024;

/** What the upgrade handler checks, where it reports, and whom it hands each new socket. */
export interface UpgradeOptions {
  readonly path: string;
  readonly allowedOrigins: OriginPolicy;
  readonly maxMessageBytes: number;
  /** Whether AnyCable's extended protocol may be picked. */
  readonly extendedProtocol: boolean;
  readonly logger: Logger;
  readonly observer: ObserverSet;
  /** A socket passed every check: the server makes it a connection. */
  opened(socket: WebSocket, request: IncomingMessage): void;
}

/**
 * The cable's door on every attached HTTP server. An upgrade to the cable's path is refused while
 * the server shuts down (503) or from an origin the policy does not allow (403); otherwise it becomes
 * a WebSocket on the subprotocol Rails would pick. Other paths are left to other `upgrade`
 * listeners, or answered 404 when there are none.
 */
export class UpgradeHandler {
  readonly #options: UpgradeOptions;
  readonly #wss: WebSocketServer;
  readonly #attached: HttpServer[] = [];
  #refusing = false;

  constructor(options: UpgradeOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: Math.max(HARD_FRAME_CEILING, options.maxMessageBytes),
      perMessageDeflate: false,
      handleProtocols: (offered) => selectProtocol(offered, options.extendedProtocol),
    });
  }

  /** Listens to `server`'s `upgrade` event. */
  attach(server: HttpServer): void {
    server.on("upgrade", this.#onUpgrade);
    this.#attached.push(server);
  }

  /** Handles one upgrade request; false when its path is not the cable's, leaving the socket untouched. */
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const { path, allowedOrigins, logger, observer } = this.#options;
    if ((request.url ?? "").split("?", 1)[0] !== path) return false;
    if (this.#refusing) {
      observer.upgradeRefused(ObservedReasons.serverShuttingDown);
      refuse(socket, 503, "Server is shutting down");
      return true;
    }
    if (!originAllowed(allowedOrigins, request)) {
      logger.warn("origin refused", { origin: request.headers.origin, host: request.headers.host });
      observer.upgradeRefused(ObservedReasons.forbiddenOrigin);
      refuse(socket, 403, "Origin not allowed");
      return true;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#options.opened(ws, request));
    return true;
  }

  /** From now on, upgrades to the cable are refused with 503: the server is shutting down. */
  refuseAll(): void {
    this.#refusing = true;
  }

  /** Stops listening to every attached server and closes the WebSocket server. */
  close(): void {
    for (const server of this.#attached) server.off("upgrade", this.#onUpgrade);
    this.#wss.close();
  }

  #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      if (!this.handle(request, socket, head) && this.#onlyUpgradeListener(request)) {
        refuse(socket, 404, "Page not found");
      }
    } catch (error) {
      this.#options.logger.error("upgrade failed", { error: String(error) });
      socket.destroy();
    }
  };

  #onlyUpgradeListener(request: IncomingMessage): boolean {
    const server = this.#attached.find(
      (s) => s === (request.socket as unknown as { server?: HttpServer }).server,
    );
    return (server ?? this.#attached[0])?.listenerCount("upgrade") === 1;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  const reason = status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Service Unavailable";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${
      Buffer.byteLength(text) + 1
    }\r\n\r\n${text}\n`,
  );
}
