import type { Logger } from "../../protocol/logger.js";
import { SIGNALING_CHANNEL, type SignalingMessage } from "../../protocol/session_messages.js";
import type { CableConsumer, CableSubscription } from "../cable_consumer.js";
import { createExtendedConsumer } from "../extended_consumer.js";
import type { Backoff } from "./backoff.js";
import type { Clock } from "./types.js";

export interface CableLinkOptions {
  token: string;
  cableUrl?: string;
  createConsumer?: (url?: string) => CableConsumer;
  logger: Logger;
  clock: Clock;
  /** Delays between reconnects; the session resets it on a `ready` for this peer. */
  backoff: Backoff;
  /** A fresh socket whose subscription is not confirmed this long is dropped and tried again. */
  connectTimeoutMs: number;
  /**
   * Asked before each subscribe: whether this subscription joins as it subscribes (`"join": true`
   * in its identifier: the server joins it before confirming, one round trip sooner). Default never.
   */
  joinOnSubscribe?(): boolean;
  /**
   * The subscription is confirmed (first time, or on a fresh socket after a loss): time to `join`,
   * unless `joined` (it asked to join as it subscribed: its `ready` follows).
   */
  subscribed(joined: boolean): void;
  received(message: SignalingMessage): void;
  /** The server refused the subscription; `reason` comes from the error message that preceded it. */
  rejected(reason: string, message: string): void;
}

/**
 * This page's line to `SignalingChannel`: one consumer and one subscription that can be dropped
 * once the peer-to-peer link is up (`detach`, for `keepCableConnection: false`) and made again
 * when the host goes away (`attach`). Each attach uses a fresh consumer, so nothing of a closed
 * socket lingers; callbacks of an old consumer are ignored.
 *
 * The default consumer speaks AnyCable's extended protocol: a socket that blips is restored with
 * its session (`interrupted`, then `restored`), the server keeps the subscription and its lease
 * meanwhile, signals broadcast to this page meanwhile are replayed once and in order, and actions
 * performed meanwhile are held and sent after the restore. So a blip costs no new `join`.
 *
 * A subscription that is really gone (`disconnected`: a plain-protocol server, or a session that
 * could not be restored) is dropped and a fresh consumer made after a `backoff` delay, as is a
 * fresh socket not confirmed within `connectTimeoutMs`; the new subscription joins again.
 * `@rails/actioncable` would wait far longer (stale after 6 s, up to 18 s more) than the server's
 * 4 s lease. `detach`, `close` and `abandon` are on purpose: nothing reconnects after them.
 */
export class CableLink {
  readonly #options: CableLinkOptions;
  #consumer: CableConsumer | null = null;
  #subscription: CableSubscription | null = null;
  #confirmed = false;
  #wanted = false;
  #generation = 0;
  #connectTimer: unknown = null;
  #retryTimer: unknown = null;
  #lastError: { reason: string; message: string } | null = null;

  constructor(options: CableLinkOptions) {
    this.#options = options;
  }

  /** Whether this page holds a cable socket now. */
  get attached(): boolean {
    return this.#consumer !== null;
  }

  /**
   * Whether the subscription is confirmed, so actions reach the server (while a restore is under
   * way they are held and sent after it).
   */
  get connected(): boolean {
    return this.#confirmed;
  }

  /** Connects and subscribes, unless attached already or waiting to reconnect. */
  attach(): void {
    this.#wanted = true;
    if (this.#consumer || this.#retryTimer !== null) return;
    this.#connect();
  }

  /** Performs one action; `false` when the subscription is not confirmed (nothing was sent or held). */
  perform(action: string, data: object = {}): boolean {
    if (!this.#subscription || !this.#confirmed) return false;
    this.#subscription.perform(action, data);
    return true;
  }

  /** Tells the server this peer stays a member, then closes the socket. */
  detach(): void {
    this.#stop();
    if (!this.#consumer) return;
    this.perform("detach");
    this.#drop();
  }

  /** Leaves the session for good: `leave`, unsubscribe, close the socket. */
  close(): void {
    this.#stop();
    if (!this.#consumer) return;
    this.perform("leave");
    this.#subscription?.unsubscribe();
    this.#drop();
  }

  /** Closes the socket without a word (no `leave`): for a subscription that was `replaced` or refused. */
  abandon(): void {
    this.#stop();
    this.#drop();
  }

  #connect(): void {
    this.#retryTimer = null;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    const { clock, connectTimeoutMs, logger } = this.#options;
    const create =
      this.#options.createConsumer ?? ((url?: string) => createExtendedConsumer(url, { logger }));
    const consumer = create(this.#options.cableUrl);
    this.#consumer = consumer;
    this.#connectTimer = clock.setTimeout(() => {
      this.#connectTimer = null;
      if (!current()) return;
      logger.info("cable not connected in time: reconnecting", { timeoutMs: connectTimeoutMs });
      this.#lost();
    }, connectTimeoutMs);
    const joins = this.#options.joinOnSubscribe?.() ?? false;
    this.#subscription = consumer.subscriptions.create(
      { channel: SIGNALING_CHANNEL, token: this.#options.token, ...(joins ? { join: true } : {}) },
      {
        connected: () => {
          // The Rails client re-sends an unconfirmed subscribe every 500 ms and reports each confirm
          // as `connected`: only the first on this socket joins (a second join made the host
          // replace a link mid-negotiation and apply a stale answer).
          if (!current() || this.#confirmed) return;
          this.#clearConnectTimer();
          this.#confirmed = true;
          this.#options.subscribed(joins);
        },
        disconnected: () => {
          if (!current()) return;
          logger.info("cable lost: reconnecting", {});
          this.#lost();
        },
        interrupted: () => {
          if (current()) logger.info("cable interrupted: restoring the session", {});
        },
        restored: () => {
          if (current()) logger.info("cable restored: missed signals follow", {});
        },
        rejected: () => {
          if (!current()) return;
          const error = this.#lastError ?? {
            reason: "invalid_token",
            message: `${SIGNALING_CHANNEL} subscription was rejected`,
          };
          this.#stop();
          this.#drop();
          this.#options.rejected(error.reason, error.message);
        },
        received: (data) => {
          if (current()) this.#receive(data);
        },
      },
    );
  }

  /** The socket is gone or never came: a fresh consumer after the next backoff delay. */
  #lost(): void {
    this.#drop();
    if (!this.#wanted || this.#retryTimer !== null) return;
    const delayMs = this.#options.backoff.next();
    this.#options.logger.debug("cable reconnect scheduled", { delayMs });
    this.#retryTimer = this.#options.clock.setTimeout(() => this.#connect(), delayMs);
  }

  #stop(): void {
    this.#wanted = false;
    if (this.#retryTimer === null) return;
    this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer === null) return;
    this.#options.clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }

  #drop(): void {
    const consumer = this.#consumer;
    this.#clearConnectTimer();
    this.#generation += 1;
    this.#consumer = null;
    this.#subscription = null;
    this.#confirmed = false;
    consumer?.disconnect();
  }

  #receive(data: unknown): void {
    const message = parseSignalingMessage(data);
    if (!message) {
      this.#options.logger.warn("ignored a malformed signaling message", {
        data: JSON.stringify(data)?.slice(0, 200),
      });
      return;
    }
    if (message.type === "error") this.#lastError = { reason: message.reason, message: message.message };
    this.#options.received(message);
  }
}

/** Checks the shape of a server message; `null` when it is not one we know. */
export function parseSignalingMessage(data: unknown): SignalingMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  const isString = (value: unknown): value is string => typeof value === "string";
  switch (m.type) {
    case "ready":
      return isString(m.host) &&
        isString(m.peer) &&
        Array.isArray(m.peers) &&
        m.peers.every(isString) &&
        isString(m.joinId) &&
        (m.resume === undefined || m.resume === true)
        ? (m as SignalingMessage)
        : null;
    case "signal": {
      const signal = m.signal as Record<string, unknown> | null;
      if (!isString(m.from) || typeof signal !== "object" || signal === null) return null;
      if ((signal.type === "offer" || signal.type === "answer") && isString(signal.sdp))
        return m as SignalingMessage;
      if (
        signal.type === "candidate" &&
        (signal.candidate === null || typeof signal.candidate === "object")
      ) {
        return m as SignalingMessage;
      }
      return null;
    }
    case "ice-servers":
      return Array.isArray(m.iceServers) &&
        m.iceServers.every((server) => typeof server === "object" && server !== null) &&
        (m.iceTransportPolicy === "all" || m.iceTransportPolicy === "relay") &&
        (m.expiresAt === null || typeof m.expiresAt === "number")
        ? (m as SignalingMessage)
        : null;
    case "relay":
      return isString(m.from) &&
        isString(m.join) &&
        Number.isSafeInteger(m.seq) &&
        (m.seq as number) >= 0 &&
        isString(m.data)
        ? { type: "relay", from: m.from, join: m.join, seq: m.seq as number, data: m.data }
        : null;
    case "peer-left":
      return isString(m.peer) ? (m as SignalingMessage) : null;
    case "host-left":
      return isString(m.host) ? (m as SignalingMessage) : null;
    case "error":
      return {
        type: "error",
        reason: String(m.reason),
        message: String(m.message),
        ...(isString(m.to) ? { to: m.to } : {}),
        ...(Number.isSafeInteger(m.seq) ? { seq: m.seq as number } : {}),
      };
    default:
      return null;
  }
}
