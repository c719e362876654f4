import { type Cable, type Channel, type CreateOptions, createCable } from "@anycable/web";
import { type Logger, silentLogger } from "../protocol/logger.js";
import type { CableConsumer, CableMixin, CableSubscription } from "./cable_consumer.js";

/** AnyCable's extended protocol: session restore and stream history. */
export const EXTENDED_PROTOCOL = "actioncable-v1-ext-json";
/** The Action Cable protocol every Rails server speaks. */
export const PLAIN_PROTOCOL = "actioncable-v1-json";

/** How `createExtendedConsumer` connects. */
export interface ExtendedConsumerOptions {
  /** Where library messages go (reconnects, restores, failed performs). Default: silent. */
  logger?: Logger;
  /** The WebSocket class: browsers have their own; Node passes `ws`'s. */
  websocketImplementation?: unknown;
  /**
   * Milliseconds before reconnect attempt `attempt` (0 first) after the socket dropped. Default:
   * 250 ms doubling to 2 s, ±50 % jitter, so a blip of a few seconds is restored well within the
   * server's session TTL (15 s by default), where the stock strategy waits 1.5 to 9 s at first.
   */
  reconnectDelayMs?: (attempt: number) => number;
}

/** Reconnect delays of a few seconds at most: a page that blipped should be back before its session expires. */
export function defaultReconnectDelayMs(attempt: number): number {
  const base = Math.min(2000, 250 * 2 ** attempt);
  return base * (0.5 + Math.random());
}

/**
 * A consumer on `@anycable/web` that speaks AnyCable's extended protocol when the server offers it
 * and the plain Action Cable protocol when it does not (it offers both subprotocols and the server
 * picks; without a session id in `welcome` there is nothing to restore, so it behaves as a plain
 * client). With the extended protocol a socket that drops is reconnected with its session id:
 * the server restores the session without unsubscribing anything and replays what was broadcast
 * meanwhile, once and in order.
 *
 * The mixin sees: `connected` once per subscription confirmed (also after a restore failed and the
 * consumer subscribed again), `interrupted` when the socket dropped and a restore is under way,
 * `restored` when it succeeded, `disconnected` when the session is gone (no restore possible, or
 * it failed), `rejected` after the error message that says why, `received` for every message.
 * Actions performed while interrupted are held and sent after the restore, in order; a failed
 * restore drops them (the subscription starts afresh, so they would be stale).
 */
export function createExtendedConsumer(url?: string, options: ExtendedConsumerOptions = {}): CableConsumer {
  return new ExtendedConsumer(url, options);
}

/** The `{type:"error"}` message our channels transmit before rejecting a subscription. */
interface ErrorMessage {
  type: "error";
  reason: string;
  message: string;
}

class ExtendedConsumer implements CableConsumer {
  readonly #cable: Cable;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<ExtendedSubscription>();
  /** The last error message per identifier seen before its confirmation (AnyCable's hub holds them until then). */
  readonly #errors = new Map<string, ErrorMessage>();
  /** Identifiers whose `subscribe` went out on this socket and whose `unsubscribe` has not. */
  readonly #onWire = new Set<string>();
  readonly subscriptions = {
    create: (params: { channel: string; [key: string]: unknown }, mixin: CableMixin): CableSubscription =>
      this.#create(params, mixin),
  };

  constructor(url: string | undefined, options: ExtendedConsumerOptions) {
    this.#logger = options.logger ?? silentLogger;
    const logger = this.#logger;
    const cableOptions = {
      protocol: EXTENDED_PROTOCOL,
      // An array: the server picks the first it speaks (the WebSocket API takes either).
      subprotocol: [EXTENDED_PROTOCOL, PLAIN_PROTOCOL] as unknown as string,
      encoder: {
        encode: (message: unknown) => {
          this.#sent(message);
          return JSON.stringify(freshSubscribe(message));
        },
        decode: (raw: unknown) => {
          let message: unknown;
          try {
            message = JSON.parse(String(raw));
          } catch {
            return undefined;
          }
          this.#observe(message);
          return message;
        },
      },
      reconnectStrategy: options.reconnectDelayMs ?? defaultReconnectDelayMs,
      websocketImplementation: options.websocketImplementation,
      performFailures: "warn" as const,
      logger: {
        // One level down: what AnyCable calls an error (a refused subscription, a failed perform)
        // is reported to the app by the room or session that made the call, with its reason.
        level: "debug",
        log: (level: string, message: string, details?: unknown) => logAt(logger, level, message, details),
        debug: (message: string, details?: unknown) => logAt(logger, "debug", message, details),
        info: (message: string, details?: unknown) => logAt(logger, "info", message, details),
        warn: (message: string, details?: unknown) => logAt(logger, "warn", message, details),
        error: (message: string, details?: unknown) => logAt(logger, "error", message, details),
      },
    } as unknown as Partial<CreateOptions<typeof EXTENDED_PROTOCOL>>;
    this.#cable = url ? createCable(webSocketUrl(url), cableOptions) : createCable(cableOptions);
    this.#cable.on("disconnect", () => {
      for (const subscription of this.#subscriptions) subscription.socketDropped();
    });
  }

  /**
   * Unsubscribes what is subscribed, at once, then closes the socket. AnyCable would send its
   * `unsubscribe`s a few microtasks later, after the socket closed, and a server of the extended
   * protocol keeps the session of a closed socket for a restore: the others would hear of this
   * client's leaving only when that session expires.
   */
  disconnect(): void {
    if (this.connected) {
      for (const identifier of [...this.#onWire]) this.#cable.send({ command: "unsubscribe", identifier });
    }
    this.#cable.disconnect();
  }

  /** Whether the socket is open and welcomed (or restored). */
  get connected(): boolean {
    return this.#cable.state === "connected";
  }

  /** Writes one command frame now. */
  send(frame: object): void {
    this.#cable.send(frame);
  }

  /** The last error message the server sent `identifier` before confirming or rejecting it. */
  errorFor(identifier: string): ErrorMessage | undefined {
    return this.#errors.get(identifier);
  }

  forget(subscription: ExtendedSubscription): void {
    this.#subscriptions.delete(subscription);
  }

  #create(params: { channel: string; [key: string]: unknown }, mixin: CableMixin): CableSubscription {
    const { channel: name, ...rest } = params;
    const channel = this.#cable.subscribeTo(name, rest as Record<string, string>);
    const subscription = new ExtendedSubscription(this, channel, mixin, this.#logger);
    this.#subscriptions.add(subscription);
    return subscription;
  }

  #sent(frame: unknown): void {
    if (typeof frame !== "object" || frame === null) return;
    const { command, identifier } = frame as { command?: unknown; identifier?: unknown };
    if (typeof identifier !== "string") return;
    if (command === "subscribe") this.#onWire.add(identifier);
    else if (command === "unsubscribe") this.#onWire.delete(identifier);
  }

  #observe(frame: unknown): void {
    if (typeof frame !== "object" || frame === null) return;
    const { identifier, message } = frame as { identifier?: unknown; message?: unknown };
    if (typeof identifier !== "string" || typeof message !== "object" || message === null) return;
    const { type, reason, message: text } = message as Record<string, unknown>;
    if (type === "error")
      this.#errors.set(identifier, { type, reason: String(reason), message: String(text) });
  }
}

class ExtendedSubscription implements CableSubscription {
  readonly #consumer: ExtendedConsumer;
  readonly #channel: Channel;
  readonly #mixin: CableMixin;
  readonly #logger: Logger;
  /** Actions performed while a restore is under way, sent when it succeeds. */
  #held: Array<{ action: string; data: object }> | null = null;
  #confirmed = false;
  #done = false;

  constructor(consumer: ExtendedConsumer, channel: Channel, mixin: CableMixin, logger: Logger) {
    this.#consumer = consumer;
    this.#channel = channel;
    this.#mixin = mixin;
    this.#logger = logger;
    channel.on("connect", ({ restored }) => {
      if (restored) {
        const held = this.#held ?? [];
        this.#held = null;
        for (const { action, data } of held) this.#send(action, data);
        mixin.restored?.();
        return;
      }
      this.#held = null;
      this.#confirmed = true;
      mixin.connected?.();
    });
    // `disconnected` and `rejected` are told a microtask later: AnyCable emits them in the middle of
    // its own teardown, and a `disconnect()` made right there (what CableLink does) is undone by the
    // monitor, which hears the socket's `disconnect` after the cable's `close` and reconnects it.
    channel.on("disconnect", () => {
      this.#held = null;
      queueMicrotask(() => mixin.disconnected?.());
    });
    channel.on("message", (message) => mixin.received?.(message));
    channel.on("close", (error) => {
      this.#held = null;
      this.#consumer.forget(this);
      if (this.#done) return;
      this.#done = true;
      if (error?.name === "SubscriptionRejectedError") {
        // AnyCable's hub holds messages until a confirmation, so the reason never reached `received`.
        const reason = this.#consumer.errorFor(channel.identifier);
        queueMicrotask(() => {
          if (reason) mixin.received?.(reason);
          mixin.rejected?.();
        });
      } else {
        queueMicrotask(() => mixin.disconnected?.());
      }
    });
  }

  /** The cable dropped: a confirmed subscription whose session is being restored holds its actions. */
  socketDropped(): void {
    if (this.#done || !this.#confirmed || this.#held !== null) return;
    // AnyCable moves the channels of a session it will try to restore to `connecting`; the others
    // hear `disconnect` on their own.
    if (this.#channel.state !== "connecting") return;
    this.#held = [];
    this.#mixin.interrupted?.();
  }

  perform(action: string, data: object = {}): void {
    if (this.#done) return;
    if (this.#held) {
      this.#held.push({ action, data });
      return;
    }
    this.#send(action, data);
  }

  unsubscribe(): void {
    if (this.#done) return;
    this.#done = true;
    this.#held = null;
    this.#consumer.forget(this);
    this.#channel.disconnect();
  }

  #send(action: string, data: object): void {
    // At once when connected, as `@rails/actioncable` sends: AnyCable's `perform` writes a few
    // microtasks later, after a `disconnect()` made right behind a `leave` had closed the socket.
    if (this.#consumer.connected && this.#channel.state === "connected") {
      const payload = JSON.stringify({ ...data, action });
      this.#consumer.send({ command: "message", identifier: this.#channel.identifier, data: payload });
      return;
    }
    this.#channel.perform(action, data as Record<string, string>).catch((error: unknown) => {
      this.#logger.warn("cable action not sent", { action, error: String(error) });
    });
  }
}

/**
 * A `subscribe` without the `history` AnyCable adds to it (every broadcast since the page loaded,
 * to the second): a subscription starts at its confirmation, so a signal sent a moment ago to this
 * client's previous subscription (a room left and entered again) is not replayed to this one.
 * Restores keep their history: the `history` command, from each stream's position and, for streams
 * without one, since the last ping (anything before it had arrived).
 */
function freshSubscribe(frame: unknown): unknown {
  if (typeof frame !== "object" || frame === null) return frame;
  const { command, history: _history, ...rest } = frame as Record<string, unknown>;
  return command === "subscribe" ? { command, ...rest } : frame;
}

/**
 * `/cable` or `https://…/cable` as the `ws(s)://` URL a WebSocket needs, resolved against the page
 * as `@rails/actioncable` does (AnyCable does that only for the URL it reads from a meta tag).
 */
function webSocketUrl(url: string): string {
  if (/^wss?:\/\//i.test(url)) return url;
  const base = typeof location === "undefined" ? undefined : location.href;
  const resolved = new URL(url, base);
  resolved.protocol = resolved.protocol === "https:" ? "wss:" : "ws:";
  return resolved.href;
}

function logAt(logger: Logger, level: string, text: string, details: unknown): void {
  const message = `cable: ${text}`;
  const fields =
    typeof details === "object" && details !== null
      ? Object.fromEntries(Object.entries(details).map(([key, value]) => [key, String(value)]))
      : details === undefined
        ? undefined
        : { details: String(details) };
  if (level === "error") logger.warn(message, fields);
  else if (level === "warn") logger.info(message, fields);
  else logger.debug(message, fields);
}
