import type { Logger } from "../protocol/logger.js";
import type {
  CableHandle,
  ChannelContext,
  CloseCause,
  CloseFailure,
  ConnectionHandle,
  SubscriptionState,
} from "./channel_context.js";
import type { HistoryRequest } from "./ext_protocol.js";
import { quote } from "./protocol.js";
import { Subscription } from "./subscription.js";

/** A channel class as the server registers it. */
export interface ChannelClass {
  new (context: ChannelContext): Channel;
  /** The `channel` value clients put in the identifier, e.g. `"Turbo::StreamsChannel"`. */
  readonly channelName: string;
  /** Public actions a client may `perform`. Anything else is refused with `unknown_action`. */
  readonly actions: readonly string[];
  /**
   * Whether a subscription can be rebuilt by `restored(streams)` on another server process (see
   * `Channel.restored`). Default false: there, the client subscribes again and `subscribed` runs.
   */
  readonly restorable?: boolean;
}

/**
 * What the cable does to a channel that its subclasses may not: drive its lifecycle and answer on
 * its identifier. Internal to the cable: the package does not export it.
 */
export interface ChannelDriver {
  /**
   * Runs `subscribed` and waits for every stream. On `rejected` the error (if any) has been sent;
   * the caller then closes the channel with `close(channel, "rejected")`.
   */
  subscribe(channel: Channel): Promise<"confirmed" | "rejected">;
  /** Marks the subscription confirmed and flushes what was transmitted before. */
  confirmed(channel: Channel): void;
  /**
   * Runs `unsubscribed` and stops every stream, each even when another step fails. Never rejects:
   * resolves to the steps that failed, for the connection to report. Idempotent.
   */
  close(channel: Channel, cause: CloseCause): Promise<CloseFailure[]>;
  /** Sends `{type:"error", reason, message}` on the channel's identifier (refused actions, rate limits). */
  transmitError(channel: Channel, reason: string, message: string): void;
  // ── extended protocol ──
  /** Rebuilds a subscription of a session restored from another process: `restored(streams)`, not `subscribed`. */
  restore(channel: Channel, streams: readonly string[]): Promise<boolean>;
  /** The streams the channel forwards, for the session record. */
  streams(channel: Channel): string[];
  /** Holds broadcasts (the socket is away) until `release`. */
  hold(channel: Channel): void;
  release(channel: Channel): void;
  /** Replays history after the client's positions; false when it cannot all be given. */
  history(channel: Channel, request: HistoryRequest): Promise<boolean>;
}

/** The one driver of every channel, filled in by `Channel`'s static block: only that reaches its privates. */
export let channelDriver: ChannelDriver;

/**
 * One subscription of one connection, as in Rails: subclass it, set `channelName` and `actions`,
 * and override `subscribed` / `unsubscribed`. The server confirms only after `subscribed` has
 * resolved and every `streamFrom` is live; `transmit`s made before that are sent after the confirm.
 *
 * What a subclass uses is `protected`: the hooks (`subscribed`, `unsubscribed`) and the commands
 * (`streamFrom`, `stopStreamFrom`, `stopAllStreams`, `transmit`, `transmitError`, `broadcast`,
 * `reject`). What it is (`connection`, `cable`, `identifier`, `params`, `logger`) and where it is
 * (`state`, `closeCause`, `rejected`, `rejectionReason`) stay public: observers read them too.
 *
 * @example
 * class ChatChannel extends Channel {
 *   static channelName = "ChatChannel";
 *   static actions = ["speak"] as const;
 *   async subscribed() { await this.streamFrom(`chat:${this.params.room}`); }
 *   async speak(data: Record<string, unknown>) { await this.broadcast(`chat:${this.params.room}`, { text: data.text }); }
 * }
 */
export abstract class Channel {
  static readonly channelName: string = "";
  static readonly actions: readonly string[] = [];
  static readonly restorable: boolean = false;

  /** The socket this subscription lives on: its `id` for logs, its `identity` from `authenticate`. */
  readonly connection: ConnectionHandle;
  /** The server's pub/sub, signer and logger. */
  readonly cable: CableHandle;
  /** The identifier exactly as the client sent it: the key of this subscription, echoed verbatim. */
  readonly identifier: string;
  /** The identifier's parsed fields, `channel` included. Values come from the client: validate them. */
  readonly params: Readonly<Record<string, unknown>>;

  readonly #subscription: Subscription;

  constructor(context: ChannelContext) {
    this.connection = context.connection;
    this.cable = context.cable;
    this.identifier = context.identifier;
    this.params = context.params;
    this.#subscription = new Subscription(context);
  }

  /** Where this subscription is in its life. */
  get state(): SubscriptionState {
    return this.#subscription.state;
  }

  /**
   * Why the subscription closed, readable in `unsubscribed()`: a channel can treat a deliberate
   * `unsubscribe` differently from a socket that dropped and may come back. `undefined` while open.
   */
  get closeCause(): CloseCause | undefined {
    return this.#subscription.closeCause;
  }

  /** The server's logger. */
  get logger(): Logger {
    return this.cable.logger;
  }

  /** Whether `reject()` was called (or `subscribed` failed). */
  get rejected(): boolean {
    return this.#subscription.rejection !== undefined;
  }

  /** The reason given to `reject()` (or the failure's), for logs and metrics; `undefined` if none. */
  get rejectionReason(): string | undefined {
    return this.#subscription.rejection?.reason;
  }

  // ── hooks, for subclasses to override ────────────────────────────────

  /** Called once when the client subscribes. Call `reject()` here to refuse the subscription. */
  protected subscribed(): void | Promise<void> {}

  /** Called once when the client unsubscribes, its socket closes, or right after a rejection. */
  protected unsubscribed(): void | Promise<void> {}

  /**
   * Called instead of `subscribed` when a client of the extended protocol restores its session on
   * this process after it began on another one (`CableServerOptions.sessionStore`), for channel
   * classes with `static restorable = true` only: `streams` are the streams the subscription
   * forwarded there. The default forwards each again, which is all a channel without
   * per-subscription state needs; one with state (stream callbacks, timers) overrides it, or stays
   * not restorable and is subscribed again. On the process where the session began, nothing runs
   * on a restore: the channel object itself lives on.
   */
  protected async restored(streams: readonly string[]): Promise<void> {
    for (const stream of streams) await this.streamFrom(stream);
  }

  // ── commands, for subclasses to use ──────────────────────────────────

  /**
   * Refuses the subscription. With a reason, the client first gets `{type:"error", reason, message}`
   * on this identifier (the Rails client delivers it to `received`), then `reject_subscription`.
   */
  protected reject(reason?: string, message?: string): void {
    this.#subscription.reject(reason, message);
  }

  /** Sends `data` to this subscription only. */
  protected transmit(data: unknown): void {
    this.#subscription.deliver(JSON.stringify(data ?? null));
  }

  /** Sends `{type:"error", reason, message}` to this subscription only. */
  protected transmitError(reason: string, message: string): void {
    this.transmit({ type: "error", reason, message });
  }

  /** Publishes `message` to every subscriber of `stream`, on every server process. */
  protected broadcast(stream: string, message: unknown): Promise<void> {
    return this.cable.broadcast(stream, message);
  }

  /**
   * Forwards every broadcast on `stream` to this subscription, or to `callback` when given. Once per
   * stream: calling it again for the same stream does nothing, so nothing is delivered twice.
   * Resolves when live.
   */
  protected streamFrom(stream: string, callback?: (message: unknown) => void): Promise<void> {
    return this.#subscription.streamFrom(stream, callback);
  }

  /** Stops forwarding `stream`; resolves once the pub/sub no longer delivers it here. */
  protected stopStreamFrom(stream: string): Promise<void> {
    return this.#subscription.streams.stop(stream);
  }

  /**
   * Stops every stream of this subscription (done for you when it closes). Each is stopped even
   * when another's stop fails; then an `AggregateError` naming the streams that failed is thrown.
   */
  protected async stopAllStreams(): Promise<void> {
    const failures = await this.#subscription.streams.stopAll();
    if (failures.length === 0) return;
    const names = failures.map((f) => `"${quote(f.stream)}"`).join(", ");
    throw new AggregateError(
      failures.map((f) => f.error),
      `Could not stop ${names} of "${quote(this.params.channel)}"`,
    );
  }

  // ── lifecycle, driven by the connection through `channelDriver` ──────

  static {
    channelDriver = {
      subscribe: (channel) => channel.#subscription.subscribe(() => channel.subscribed()),
      confirmed: (channel) => channel.#subscription.confirmed(),
      close: (channel, cause) => channel.#subscription.close(cause, () => channel.unsubscribed()),
      transmitError: (channel, reason, message) => channel.transmitError(reason, message),
      restore: (channel, streams) => channel.#subscription.restore(() => channel.restored(streams)),
      streams: (channel) => channel.#subscription.streams.names(),
      hold: (channel) => channel.#subscription.hold(),
      release: (channel) => channel.#subscription.release(),
      history: (channel, request) => channel.#subscription.history(request),
    };
  }
}
