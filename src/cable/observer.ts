import type { Channel } from "./channel.js";
import type { ConnectionHandle } from "./channel_context.js";

/**
 * Notifications of what the cable does, for metrics and audit: every method is optional and
 * called synchronously on the hot path, so keep them cheap and never throw (a throw is logged and
 * dropped). Register one with `CableServerOptions.observer` or `cable.observe(observer)`.
 *
 * @example
 * cable.observe({ subscriptionRejected: (_connection, channel, reason) => audit.push({ channel, reason }) });
 */
export interface CableObserver {
  /** The upgrade was refused before any socket existed: `forbidden_origin` or `server_shutting_down`. */
  upgradeRefused?(reason: string): void;
  /** A socket was opened (before authentication: `welcome` may still be refused). */
  connectionOpened?(connection: ConnectionHandle): void;
  /**
   * The socket closed. `reason` is the one the server sent in its `disconnect` frame
   * (`unauthorized`, `too_slow`, `server_restart`, …), or `undefined` when the client went away.
   */
  connectionClosed?(connection: ConnectionHandle, reason: string | undefined): void;
  /** One text frame arrived from the client, before it is parsed. */
  messageReceived?(connection: ConnectionHandle, bytes: number): void;
  /** One frame for a subscription (confirm, reject, data) was handed to the socket. Pings and `welcome` are not counted. */
  messageSent?(connection: ConnectionHandle, bytes: number): void;
  /** A subscription was confirmed. */
  subscriptionConfirmed?(channel: Channel): void;
  /**
   * A subscribe was refused. `channel` is the identifier's channel name when it could be read;
   * `reason` the channel's rejection reason (`invalid_token`, `session_full`, …) or one of the
   * cable's: `invalid_identifier`, `unknown_channel`, `too_many_subscriptions`.
   */
  subscriptionRejected?(connection: ConnectionHandle, channel: string | undefined, reason: string): void;
  /** A confirmed subscription ended: unsubscribe, or its socket closed. */
  subscriptionClosed?(channel: Channel): void;
  /**
   * A step of tearing a connection down failed; the teardown went on with the other steps, and the
   * connection was released all the same. Logged as `teardown failed` too.
   */
  teardownFailed?(connection: ConnectionHandle, what: TeardownFailure, error: unknown): void;
}

/**
 * Which teardown step failed: a channel's `unsubscribed` threw (`unsubscribed`), the pub/sub's stop
 * of one of its streams rejected (`stop_stream`), or the server's close deadline (`closeTimeoutMs`)
 * passed before the socket closed and its teardown finished, so it was terminated and forgotten
 * (`abandoned`, no channel).
 */
export interface TeardownFailure {
  readonly step: "unsubscribed" | "stop_stream" | "abandoned";
  /** The channel's `channelName`, for `unsubscribed` and `stop_stream`. */
  readonly channel?: string;
  /** The stream, for `stop_stream`. */
  readonly stream?: string;
}

/** Reasons the cable itself gives to `subscriptionRejected` and `upgradeRefused`. */
export const ObservedReasons = {
  invalidIdentifier: "invalid_identifier",
  unknownChannel: "unknown_channel",
  tooManySubscriptions: "too_many_subscriptions",
  /** A channel rejected without naming a reason. */
  rejected: "rejected",
  forbiddenOrigin: "forbidden_origin",
  serverShuttingDown: "server_shutting_down",
} as const;

type Required<T> = { [K in keyof T]-?: NonNullable<T[K]> };

/**
 * The observers of one server behind a single object: the connection calls it unconditionally,
 * and it fans each notification out to every registered observer.
 */
export class ObserverSet implements Omit<Required<CableObserver>, "messageSent"> {
  readonly #observers = new Set<CableObserver>();
  readonly #failed: (error: unknown) => void;

  constructor(failed: (error: unknown) => void) {
    this.#failed = failed;
  }

  add(observer: CableObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  upgradeRefused(reason: string): void {
    this.#each((o) => o.upgradeRefused?.(reason));
  }
  connectionOpened(connection: ConnectionHandle): void {
    this.#each((o) => o.connectionOpened?.(connection));
  }
  connectionClosed(connection: ConnectionHandle, reason: string | undefined): void {
    this.#each((o) => o.connectionClosed?.(connection, reason));
  }
  messageReceived(connection: ConnectionHandle, bytes: number): void {
    this.#each((o) => o.messageReceived?.(connection, bytes));
  }
  /** Takes the frame itself: its UTF-8 length is only measured when someone is listening. */
  messageSent(connection: ConnectionHandle, frame: string): void {
    if (this.#observers.size === 0) return;
    const bytes = Buffer.byteLength(frame);
    this.#each((o) => o.messageSent?.(connection, bytes));
  }
  subscriptionConfirmed(channel: Channel): void {
    this.#each((o) => o.subscriptionConfirmed?.(channel));
  }
  subscriptionRejected(connection: ConnectionHandle, channel: string | undefined, reason: string): void {
    this.#each((o) => o.subscriptionRejected?.(connection, channel, reason));
  }
  subscriptionClosed(channel: Channel): void {
    this.#each((o) => o.subscriptionClosed?.(channel));
  }
  teardownFailed(connection: ConnectionHandle, what: TeardownFailure, error: unknown): void {
    this.#each((o) => o.teardownFailed?.(connection, what, error));
  }

  #each(notify: (observer: CableObserver) => void): void {
    if (this.#observers.size === 0) return;
    for (const observer of this.#observers) {
      try {
        notify(observer);
      } catch (error) {
        this.#failed(error);
      }
    }
  }
}
