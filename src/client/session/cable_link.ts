import { createConsumer as createActionCableConsumer } from "@rails/actioncable";
import type { ClientLogger } from "../room/emitter.js";
import type { SessionConsumer } from "./types.js";

/** SDP and ICE as `SignalingChannel` carries them (docs/protocol.md, "Sessions"). */
export type WireSignal =
  | { type: "offer" | "answer"; sdp: string }
  | { type: "candidate"; candidate: RTCIceCandidateInit | null };

/** What `SignalingChannel` sends a subscriber. */
export type ServerMessage =
  | { type: "ready"; host: string; peer: string; peers: string[] }
  | { type: "signal"; from: string; signal: WireSignal }
  | { type: "peer-left"; peer: string }
  | { type: "host-left"; host: string }
  | { type: "error"; reason: string; message: string };

export interface CableLinkOptions {
  token: string;
  cableUrl?: string;
  createConsumer?: (url?: string) => SessionConsumer;
  logger: ClientLogger;
  /** The subscription is confirmed (first time, or again after the socket came back): time to `join`. */
  subscribed(): void;
  received(message: ServerMessage): void;
  /** The server refused the subscription; `reason` comes from the error message that preceded it. */
  rejected(reason: string, message: string): void;
}

/**
 * This page's line to `SignalingChannel`: one consumer and one subscription that can be dropped
 * once the peer-to-peer link is up (`detach`, for `keepCableConnection: false`) and made again
 * when the host goes away (`attach`). Each attach uses a fresh consumer, so nothing of a closed
 * socket lingers; callbacks of an old consumer are ignored.
 */
export class CableLink {
  readonly #options: CableLinkOptions;
  #consumer: SessionConsumer | null = null;
  #subscription: { perform(action: string, data?: object): unknown; unsubscribe(): unknown } | null = null;
  #generation = 0;
  #lastError: { reason: string; message: string } | null = null;

  constructor(options: CableLinkOptions) {
    this.#options = options;
  }

  get attached(): boolean {
    return this.#consumer !== null;
  }

  /** Connects and subscribes, unless already attached. */
  attach(): void {
    if (this.#consumer) return;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    const create =
      this.#options.createConsumer ?? ((url?: string) => createActionCableConsumer(url) as SessionConsumer);
    const consumer = create(this.#options.cableUrl);
    this.#consumer = consumer;
    this.#subscription = consumer.subscriptions.create(
      { channel: "SignalingChannel", token: this.#options.token },
      {
        connected: () => {
          if (current()) this.#options.subscribed();
        },
        rejected: () => {
          if (!current()) return;
          const error = this.#lastError ?? {
            reason: "invalid_token",
            message: "SignalingChannel subscription was rejected",
          };
          this.#drop();
          this.#options.rejected(error.reason, error.message);
        },
        received: (data) => {
          if (current()) this.#receive(data);
        },
      },
    );
  }

  /** Performs one action; `false` when not attached (nothing was sent). */
  perform(action: string, data: object = {}): boolean {
    if (!this.#subscription) return false;
    this.#subscription.perform(action, data);
    return true;
  }

  /** Tells the server this peer stays a member, then closes the socket. */
  detach(): void {
    if (!this.#consumer) return;
    this.perform("detach");
    this.#drop();
  }

  /** Leaves the session for good: `leave`, unsubscribe, close the socket. */
  close(): void {
    if (!this.#consumer) return;
    this.perform("leave");
    this.#subscription?.unsubscribe();
    this.#drop();
  }

  #drop(): void {
    const consumer = this.#consumer;
    this.#generation += 1;
    this.#consumer = null;
    this.#subscription = null;
    consumer?.disconnect();
  }

  #receive(data: unknown): void {
    const message = parseServerMessage(data);
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
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  const isString = (value: unknown): value is string => typeof value === "string";
  switch (m.type) {
    case "ready":
      return isString(m.host) && isString(m.peer) && Array.isArray(m.peers) && m.peers.every(isString)
        ? (m as ServerMessage)
        : null;
    case "signal": {
      const signal = m.signal as Record<string, unknown> | null;
      if (!isString(m.from) || typeof signal !== "object" || signal === null) return null;
      if ((signal.type === "offer" || signal.type === "answer") && isString(signal.sdp))
        return m as ServerMessage;
      if (
        signal.type === "candidate" &&
        (signal.candidate === null || typeof signal.candidate === "object")
      ) {
        return m as ServerMessage;
      }
      return null;
    }
    case "peer-left":
      return isString(m.peer) ? (m as ServerMessage) : null;
    case "host-left":
      return isString(m.host) ? (m as ServerMessage) : null;
    case "error":
      return { type: "error", reason: String(m.reason), message: String(m.message) };
    default:
      return null;
  }
}
