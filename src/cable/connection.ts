import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { Reasons } from "../protocol/errors.js";
import { ANONYMOUS, type Authenticate, authenticateWithin } from "./authentication.js";
import { frameBytes } from "./broadcast_frame.js";
import { CableSession, restoreSid } from "./cable_session.js";
import type { ConnectionHandle, Identity } from "./channel_context.js";
import { CommandQueue } from "./command_queue.js";
import { type ExtCommand, extWelcomeFrame, PONG, parseExtCommand } from "./ext_protocol.js";
import { type Command, disconnectFrame, EXT_PROTOCOL, type Frame, readFrame, WELCOME } from "./protocol.js";
import type { SessionParking } from "./session_parking.js";
import { Subscriptions, type SubscriptionsHost } from "./subscriptions.js";
import { type RateLimits, Throttle } from "./throttle.js";

/** What a connection needs from its server. */
export interface ConnectionHost extends SubscriptionsHost, RateLimits {
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  /** How long `authenticate` may take before the socket is refused as `unauthorized`. */
  readonly authenticateTimeoutMs: number;
  readonly authenticate: Authenticate;
  /** Sessions of extended-protocol sockets waiting for a restore. */
  readonly parking: SessionParking;
  /** How long a restored subscription holds broadcasts for the client's `history` request. */
  readonly historyWaitMs: number;
  closed(connection: Connection): void;
}

let nextId = 0;

const TEXT = { binary: false } as const;

/** A text frame, encoded once when the same frame goes to many sockets in a row (a broadcast, a ping). */
function sendText(socket: WebSocket, frame: string): void {
  const data = frameBytes(frame);
  if (typeof data === "string") socket.send(data);
  else socket.send(data, TEXT);
}

/**
 * One cable socket: its frames read and rate-limited, authentication before `welcome`, and every
 * command through one FIFO queue (`CommandQueue`) to its `Subscriptions`; teardown when it closes.
 */
export class Connection implements ConnectionHandle {
  readonly id = `c${(++nextId).toString(36)}`;
  /** Whatever `authenticate` returned; frozen and empty until then. */
  identity: Identity = ANONYMOUS;
  readonly request: ConnectionHandle["request"];
  /** Set by the server's liveness check: false until the socket answers a native ping. */
  alive = true;
  welcomed = false;

  readonly #socket: WebSocket;
  readonly #host: ConnectionHost;
  #subscriptions: Subscriptions;
  /** Extended protocol only: the session the socket carries, which may outlive it. */
  #session: CableSession | undefined;
  readonly #queue: CommandQueue;
  readonly #throttle: Throttle | undefined;
  #closing = false;
  #abandoned = false;
  #closeReason: string | undefined;
  /** Whether the browser closed the socket because its page went away (1001): nobody will restore it. */
  #pageGone = false;
  /** Ends a pending `authenticate` wait at once, when the socket closes under it. */
  #stopAuthenticating: (() => void) | undefined;

  constructor(socket: WebSocket, request: IncomingMessage, host: ConnectionHost) {
    this.#socket = socket;
    this.#host = host;
    this.#queue = new CommandQueue(host.logger, this.id);
    this.#throttle = Throttle.of(host, this.id);
    this.request = {
      url: request.url ?? "",
      origin: request.headers.origin,
      address: request.socket.remoteAddress,
    };
    if (socket.protocol === EXT_PROTOCOL) {
      this.#session = new CableSession(this, host);
      this.#subscriptions = this.#session.subscriptions;
    } else {
      this.#subscriptions = new Subscriptions(this, host);
    }
    // Frames that arrive before `welcome` wait in the queue behind authentication. The task is
    // built in its own scope: a closure here would keep the upgrade request alive with the socket.
    this.#queue.enqueue(this.#opener(request));
    socket.on("message", (data, isBinary) => this.#received(data as Buffer, isBinary));
    socket.on("close", (code) => {
      this.#pageGone = code === 1001;
      this.#socketClosed();
    });
    socket.on("error", (error) =>
      this.#host.logger.warn("socket error", { connection: this.id, error: error.message }),
    );
    socket.on("pong", () => {
      this.alive = true;
    });
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** Whether the socket is closing: set by a `disconnect`, the socket's close, or `abandon`. */
  get closing(): boolean {
    return this.#closing;
  }

  /** The reason of the `disconnect` this server sent, `undefined` while open or when the client left. */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  send(frame: string): void {
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.#host.maxBufferedBytes) {
      this.#host.logger.warn("slow client disconnected", {
        connection: this.id,
        buffered: socket.bufferedAmount,
      });
      this.disconnect(Reasons.tooSlow, true);
      return;
    }
    sendText(socket, frame);
    this.#host.observer.messageSent(this, frame);
  }

  disconnect(reason: string, reconnect: boolean): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeReason = reason;
    const socket = this.#socket;
    if (socket.readyState === socket.OPEN) {
      socket.send(disconnectFrame(reason, reconnect));
      socket.close(1000, reason);
    } else {
      socket.terminate();
    }
  }

  /** Sends a native WebSocket ping; the server terminates sockets that do not answer by the next round. */
  probe(): void {
    if (!this.alive) {
      this.#host.logger.info("dead socket terminated", { connection: this.id });
      this.#socket.terminate();
      return;
    }
    this.alive = false;
    this.#socket.ping();
  }

  sendRaw(frame: string): void {
    if (this.#socket.readyState === this.#socket.OPEN) sendText(this.#socket, frame);
  }

  /** Ends the socket at once and tears down without waiting for the queue: the server's close deadline. */
  abandon(): void {
    this.#closing = true;
    this.#abandoned = true;
    this.#socket.terminate();
    void this.#teardown();
  }

  // ── inbound ──────────────────────────────────────────────────────────

  #received(data: Buffer, isBinary: boolean): void {
    if (this.#closing) return;
    const { logger, observer } = this.#host;
    observer.messageReceived(this, data.length);
    if (this.#throttle && !this.#throttle.admit()) {
      this.#dropped(this.#throttle, data, isBinary);
      return;
    }
    const frame = this.#read(data, isBinary);
    switch (frame.kind) {
      case "binary":
        logger.warn("binary frame dropped", { connection: this.id, bytes: data.length });
        return;
      case "oversize":
        logger.warn("oversize frame, disconnecting", { connection: this.id, bytes: data.length });
        this.disconnect(Reasons.messageTooBig, false);
        return;
      case "invalid":
        logger.warn("invalid frame dropped", { connection: this.id, error: frame.error });
        return;
      case "command": {
        const command = frame.command;
        if (command.command === "pong") return; // an ext client's answer to `ping`: it is alive
        if (command.command === "ping") this.sendRaw(PONG);
        else this.#queue.enqueue(() => this.#subscriptions.run(command));
      }
    }
  }

  #read(data: Buffer, isBinary: boolean): Frame<ExtCommand> {
    const max = this.#host.maxMessageBytes;
    return this.#session
      ? readFrame(data, isBinary, max, parseExtCommand)
      : readFrame<Command>(data, isBinary, max);
  }

  /** A frame over the rate: answered with `rate_limited` on its identifier, if it has one, in turn. */
  #dropped(throttle: Throttle, data: Buffer, isBinary: boolean): void {
    if (throttle.drop() === "disconnect") {
      this.disconnect(Reasons.rateLimited, true);
      return;
    }
    const frame = this.#read(data, isBinary);
    if (frame.kind !== "command" || !("identifier" in frame.command)) return;
    const command = frame.command;
    const message = throttle.message(command.command);
    this.#queue.enqueue(() => this.#subscriptions.rateLimited(command, message));
  }

  #opener(request: IncomingMessage): () => Promise<void> {
    return () => this.#open(request);
  }

  async #open(request: IncomingMessage): Promise<void> {
    const sid = this.#session && restoreSid(request);
    if (sid && (await this.#restore(sid))) return;
    const { authenticate, authenticateTimeoutMs: timeoutMs, logger } = this.#host;
    const pending = authenticateWithin(authenticate, request, { timeoutMs, logger, connection: this.id });
    this.#stopAuthenticating = pending.cancel;
    const identity = await pending.identity;
    this.#stopAuthenticating = undefined;
    if (this.#closing) return; // the socket closed, or was ended, while authenticate ran
    if (!identity) {
      logger.info("connection unauthorized", { connection: this.id, origin: this.request.origin });
      this.#queue.clear();
      this.disconnect(Reasons.unauthorized, false);
      return;
    }
    this.identity = identity;
    this.welcomed = true;
    const session = this.#session;
    if (!session) {
      this.sendRaw(WELCOME);
      return;
    }
    session.identity = identity;
    session.welcomed = true;
    this.sendRaw(extWelcomeFrame(session.sid));
  }

  /**
   * Restores the session `sid` names onto this socket, without `authenticate` or any channel's
   * `subscribed`: `welcome` with `restored_ids`, then the client asks for the history it missed.
   * False when there is no such session: the socket opens as a new one.
   */
  async #restore(sid: string): Promise<boolean> {
    const host = this.#host;
    const session = await host.parking.restore(sid, this, host);
    if (!session) return false;
    if (this.#closing) {
      // Dropped again while restoring: park it again under its new id.
      if (!host.parking.park(session)) await session.subscriptions.closeAll();
      return true;
    }
    this.#session = session;
    this.#subscriptions = session.subscriptions;
    this.identity = session.identity;
    this.welcomed = true;
    session.welcomed = true;
    const subscriptions = session.subscriptions;
    this.sendRaw(extWelcomeFrame(session.sid, subscriptions.identifiers()));
    subscriptions.confirmRestored();
    // A client that does not ask for history still gets what was held, after a while.
    setTimeout(() => {
      if (!this.#closing) subscriptions.releaseAll();
    }, host.historyWaitMs).unref();
    host.logger.debug("session restored", { connection: this.id, session: session.id });
    return true;
  }

  // ── teardown ─────────────────────────────────────────────────────────

  #socketClosed(): void {
    this.#closing = true;
    this.#stopAuthenticating?.();
    // Teardown waits behind the commands already queued, so `unsubscribed` runs after them.
    this.#queue.enqueue(() => this.#teardown());
  }

  /**
   * Closes every subscription; the connection is released whatever fails. Runs its closes once.
   * An extended-protocol session whose socket dropped (no `disconnect` from us) is parked instead,
   * also when its client closed it (AnyCable's client closes a socket it finds stale, then restores),
   * except on 1001: the browser closed it because the page went away (closed, reloaded, navigated),
   * and nothing will restore it, so its channels hear it at once rather than a session TTL later. A
   * client leaving on purpose unsubscribes first (`createExtendedConsumer`'s `disconnect()` does).
   */
  async #teardown(): Promise<void> {
    try {
      const session = this.#session;
      const parks =
        session?.welcomed &&
        !this.#pageGone &&
        !this.#abandoned &&
        this.#closeReason === undefined &&
        this.#host.parking.park(session);
      if (!parks) await this.#subscriptions.closeAll();
    } finally {
      this.#host.closed(this);
    }
  }
}
