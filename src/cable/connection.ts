import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { Reasons } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";
import { performAction } from "./action.js";
import { type Authenticate, authenticateWithin } from "./authentication.js";
import type { CableHandle, Channel, ChannelClass, ConnectionHandle } from "./channel.js";
import { ObservedReasons, type ObserverSet } from "./observer.js";
import {
  confirmFrame,
  dataFrame,
  disconnectFrame,
  parseCommand,
  parseIdentifier,
  quote,
  rejectFrame,
  WELCOME,
} from "./protocol.js";
import { closeChannels } from "./teardown.js";
import { TokenBucket } from "./token_bucket.js";

/** Who a socket is, as `CableServerOptions.authenticate` returned it (a user id, a tenant…); `{}` by default. */
export type Identity = Readonly<Record<string, unknown>>;

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly cable: CableHandle;
  readonly logger: Logger;
  /** Told what happens, for metrics; a set with no observers costs one size check per call. */
  readonly observer: ObserverSet;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  /** Frames one socket may send at once, and refilled per second (the token bucket). */
  readonly messageBurst: number;
  readonly messagesPerSecond: number;
  /** Frames dropped in one overload, each answered with `rate_limited`, before the disconnect. */
  readonly maxThrottledMessages: number;
  /** The rate limit's clock, in milliseconds. */
  now(): number;
  /** How long `authenticate` may take before the socket is refused as `unauthorized`. */
  readonly authenticateTimeoutMs: number;
  channel(name: string): ChannelClass | undefined;
  readonly authenticate: Authenticate;
  subscriptionsChanged(delta: number): void;
  closed(connection: Connection): void;
}

type Task = () => void | Promise<void>;

let nextId = 0;
const NO_IDENTITY: Identity = Object.freeze({});

/**
 * One cable socket. Every command goes through one FIFO queue, awaited in order, so a
 * subscribe is confirmed before the next command of the same socket runs (Rails does not
 * guarantee this; WebRTC signaling depends on it).
 */
export class Connection implements ConnectionHandle {
  readonly id = `c${(++nextId).toString(36)}`;
  /** Whatever `authenticate` returned; frozen and empty until then. */
  identity: Identity = NO_IDENTITY;
  readonly request: ConnectionHandle["request"];
  /** Set by the server's liveness check: false until the socket answers a native ping. */
  alive = true;
  welcomed = false;

  readonly #socket: WebSocket;
  readonly #host: ConnectionHost;
  readonly #subscriptions = new Map<string, Channel>();
  #queue: Task[] = [];
  #draining = false;
  #closing = false;
  #closeReason: string | undefined;
  readonly #bucket: TokenBucket | undefined;
  /** Frames dropped since the bucket was last full. */
  #throttled = 0;
  /** Ends a pending `authenticate` wait at once, when the socket closes under it. */
  #stopAuthenticating: (() => void) | undefined;

  constructor(socket: WebSocket, request: IncomingMessage, host: ConnectionHost) {
    this.#socket = socket;
    this.#host = host;
    if (Number.isFinite(host.messagesPerSecond)) {
      const { messageBurst: burst, messagesPerSecond: perSecond } = host;
      this.#bucket = new TokenBucket({ burst, perSecond, now: host.now });
    }
    this.request = {
      url: request.url ?? "",
      origin: request.headers.origin,
      address: request.socket.remoteAddress,
    };
    // Frames that arrive before `welcome` wait in the queue behind authentication. The task is
    // built in its own scope: a closure here would keep the upgrade request alive with the socket.
    this.#enqueue(this.#opener(request));
    socket.on("message", (data, isBinary) => this.#received(data as Buffer, isBinary));
    socket.on("close", () => this.#socketClosed());
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
    socket.send(frame);
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
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(frame);
  }

  // ── inbound ──────────────────────────────────────────────────────────

  #received(data: Buffer, isBinary: boolean): void {
    if (this.#closing) return;
    this.#host.observer.messageReceived(this, data.length);
    if (this.#bucket && !this.#admitted(this.#bucket)) {
      this.#throttle(data, isBinary);
      return;
    }
    if (isBinary) {
      this.#host.logger.warn("binary frame dropped", { connection: this.id, bytes: data.length });
      return;
    }
    if (data.length > this.#host.maxMessageBytes) {
      this.#host.logger.warn("oversize frame, disconnecting", { connection: this.id, bytes: data.length });
      this.disconnect(Reasons.messageTooBig, false);
      return;
    }
    const parsed = parseCommand(data.toString("utf8"));
    if (!parsed.ok) {
      this.#host.logger.warn("invalid frame dropped", { connection: this.id, error: parsed.error });
      return;
    }
    const command = parsed.value;
    switch (command.command) {
      case "subscribe":
        this.#enqueue(() => this.#subscribe(command.identifier));
        break;
      case "unsubscribe":
        this.#enqueue(() => this.#unsubscribe(command.identifier));
        break;
      case "message":
        this.#enqueue(() => this.#perform(command.identifier, command.data));
        break;
    }
  }

  #admitted(bucket: TokenBucket): boolean {
    // An overload ends once the client has been quiet long enough to refill the whole burst.
    if (this.#throttled > 0 && bucket.full) this.#throttled = 0;
    return bucket.take();
  }

  /**
   * A frame over the rate: dropped, and answered with `rate_limited` on its identifier so the
   * client knows which command was lost; past `maxThrottledMessages` the socket is disconnected
   * (reconnect true: a client that backs off is welcome back).
   */
  #throttle(data: Buffer, isBinary: boolean): void {
    const { messageBurst, messagesPerSecond, maxThrottledMessages, logger } = this.#host;
    if (++this.#throttled > maxThrottledMessages) {
      logger.warn("rate limit exceeded, disconnecting", {
        connection: this.id,
        dropped: this.#throttled - 1,
      });
      this.disconnect(Reasons.rateLimited, true);
      return;
    }
    if (this.#throttled === 1) {
      logger.warn("rate limited", { connection: this.id, burst: messageBurst, perSecond: messagesPerSecond });
    }
    if (isBinary || data.length > this.#host.maxMessageBytes) return;
    const parsed = parseCommand(data.toString("utf8"));
    if (!parsed.ok) return;
    const { command, identifier } = parsed.value;
    const message = `Too many messages: at most ${messagesPerSecond} a second, in bursts of ${messageBurst}; this ${command} was dropped`;
    this.#enqueue(() => {
      const channel = this.#subscriptions.get(identifier);
      if (channel?.state === "confirmed") channel.transmitError(Reasons.rateLimited, message);
      else if (!channel && command === "subscribe") {
        const identifierJson = JSON.stringify(identifier);
        this.#sendError(identifierJson, Reasons.rateLimited, message);
        this.#reject(identifierJson, undefined, Reasons.rateLimited);
      }
    });
  }

  #sendError(identifierJson: string, reason: string, message: string): void {
    this.send(dataFrame(identifierJson, JSON.stringify({ type: "error", reason, message })));
  }

  #opener(request: IncomingMessage): Task {
    return () => this.#open(request);
  }

  async #open(request: IncomingMessage): Promise<void> {
    const { authenticate, authenticateTimeoutMs: timeoutMs, logger } = this.#host;
    const pending = authenticateWithin(authenticate, request, { timeoutMs, logger, connection: this.id });
    this.#stopAuthenticating = pending.cancel;
    const identity = await pending.identity;
    this.#stopAuthenticating = undefined;
    if (this.#closing) return; // the socket closed, or was ended, while authenticate ran
    if (!identity) {
      this.#host.logger.info("connection unauthorized", { connection: this.id, origin: this.request.origin });
      this.#queue.length = 0;
      this.disconnect(Reasons.unauthorized, false);
      return;
    }
    this.identity = identity;
    this.welcomed = true;
    this.sendRaw(WELCOME);
  }

  async #subscribe(identifier: string): Promise<void> {
    if (!this.welcomed) return; // queued before a `welcome` that never came: refused, or closed meanwhile
    const identifierJson = JSON.stringify(identifier);
    const existing = this.#subscriptions.get(identifier);
    if (existing) {
      // Re-confirm a duplicate, without running `subscribed` again: it ends the Rails client's
      // guarantor loop and delivers nothing twice (cable-protocol.md §6.5).
      this.send(confirmFrame(identifierJson));
      return;
    }
    const parsed = parseIdentifier(identifier);
    if (!parsed.ok) {
      this.#host.logger.warn("subscription rejected", { connection: this.id, error: parsed.error });
      this.#reject(identifierJson, undefined, ObservedReasons.invalidIdentifier);
      return;
    }
    const ChannelType = this.#host.channel(parsed.channel);
    if (!ChannelType) {
      this.#host.logger.warn("subscription rejected", {
        connection: this.id,
        error: `Unknown channel "${quote(parsed.channel)}" in subscribe identifier`,
      });
      this.#reject(identifierJson, parsed.channel, ObservedReasons.unknownChannel);
      return;
    }
    if (this.#subscriptions.size >= this.#host.maxSubscriptions) {
      this.#host.logger.warn("subscription rejected", {
        connection: this.id,
        error: "too many subscriptions",
      });
      const max = this.#host.maxSubscriptions;
      this.#sendError(identifierJson, Reasons.tooManySubscriptions, `A socket may hold ${max} subscriptions`);
      this.#reject(identifierJson, parsed.channel, ObservedReasons.tooManySubscriptions);
      return;
    }
    const channel = new ChannelType({
      connection: this,
      cable: this.#host.cable,
      identifier,
      params: parsed.params,
    });
    this.#subscriptions.set(identifier, channel);
    const outcome = await channel._subscribe();
    if (outcome === "rejected" || this.#closing) {
      this.#subscriptions.delete(identifier);
      await closeChannels(this, [channel], outcome === "rejected" ? "rejected" : "disconnect", this.#host);
      if (outcome === "rejected")
        this.#reject(identifierJson, parsed.channel, channel.rejectionReason ?? ObservedReasons.rejected);
      return;
    }
    this.send(confirmFrame(identifierJson));
    channel._confirmed();
    this.#host.subscriptionsChanged(1);
    this.#host.observer.subscriptionConfirmed(channel);
  }

  #reject(identifierJson: string, channel: string | undefined, reason: string): void {
    this.send(rejectFrame(identifierJson));
    this.#host.observer.subscriptionRejected(this, channel, reason);
  }

  async #unsubscribe(identifier: string): Promise<void> {
    const channel = this.#subscriptions.get(identifier);
    if (!channel) {
      this.#host.logger.debug("unsubscribe for unknown identifier", {
        connection: this.id,
        identifier: quote(identifier),
      });
      return;
    }
    this.#subscriptions.delete(identifier);
    this.#host.subscriptionsChanged(-1);
    this.#host.observer.subscriptionClosed(channel);
    await closeChannels(this, [channel], "unsubscribe", this.#host);
  }

  #perform(identifier: string, data: string): void | Promise<void> {
    const channel = this.#subscriptions.get(identifier);
    if (channel?.state !== "confirmed") {
      this.#host.logger.warn("message for a subscription that is not confirmed", {
        connection: this.id,
        identifier: quote(identifier),
      });
      return;
    }
    return performAction(channel, data, this.#host.logger);
  }

  // ── queue and teardown ───────────────────────────────────────────────

  #enqueue(task: Task): void {
    this.#queue.push(task);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#queue.length > 0) {
      const task = this.#queue.shift()!;
      try {
        const result = task();
        if (result) await result;
      } catch (error) {
        this.#host.logger.error("command failed", { connection: this.id, error: String(error) });
      }
    }
    // A drained array keeps the capacity it grew to; an idle socket should not (memory figure).
    this.#queue = [];
    this.#draining = false;
  }

  /** Ends the socket at once and tears down without waiting for the queue: the server's close deadline. */
  abandon(): void {
    this.#closing = true;
    this.#socket.terminate();
    void this.#teardown();
  }

  #socketClosed(): void {
    this.#closing = true;
    this.#stopAuthenticating?.();
    // Teardown waits behind the commands already queued, so `unsubscribed` runs after them.
    this.#enqueue(() => this.#teardown());
  }

  /** Closes every subscription; the connection is released whatever fails. Runs its closes once. */
  async #teardown(): Promise<void> {
    try {
      const channels = [...this.#subscriptions.values()];
      this.#subscriptions.clear();
      const confirmed = channels.filter((c) => c.state === "confirmed");
      this.#host.subscriptionsChanged(-confirmed.length);
      for (const channel of confirmed) this.#host.observer.subscriptionClosed(channel);
      await closeChannels(this, channels, "disconnect", this.#host);
    } finally {
      this.#host.closed(this);
    }
  }
}
