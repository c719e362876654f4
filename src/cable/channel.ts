import { P2pError } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import { dataFrame, quote } from "./protocol.js";
import type { Signer } from "./signer.js";

/** A pub/sub subscription being set up: resolves to the function that stops it. */
type Live = Promise<() => Promise<void>>;

/** What a channel may do with the connection it lives on. */
export interface ConnectionHandle {
  /** Unique per socket, for logs. */
  readonly id: string;
  /** Whatever `authenticate` returned for this socket. */
  readonly identity: Readonly<Record<string, unknown>>;
  /** The upgrade request's origin, URL and remote address, for logs and checks. */
  readonly request: {
    readonly url: string;
    readonly origin: string | undefined;
    readonly address: string | undefined;
  };
  /** Sends a raw frame (already JSON). Used by channels; apps use `transmit`. */
  send(frame: string): void;
  /** Sends `disconnect` with this reason and closes the socket. */
  disconnect(reason: string, reconnect: boolean): void;
}

/** What a channel may do with the server: broadcast, verify, log. */
export interface CableHandle {
  readonly pubsub: PubSub;
  readonly signer: Signer;
  readonly logger: Logger;
  /** Publishes `message` to every subscriber of `stream`, on every server process. */
  broadcast(stream: string, message: unknown): Promise<void>;
}

/** What the server hands a channel's constructor: its connection, the cable and the subscription's identifier. */
export interface ChannelContext {
  readonly connection: ConnectionHandle;
  readonly cable: CableHandle;
  /** The identifier exactly as the client sent it: the key of this subscription, echoed verbatim. */
  readonly identifier: string;
  /** The identifier's parsed fields, `channel` included. Values come from the client: validate them. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** A channel class as the server registers it. */
export interface ChannelClass {
  new (context: ChannelContext): Channel;
  /** The `channel` value clients put in the identifier, e.g. `"Turbo::StreamsChannel"`. */
  readonly channelName: string;
  /** Public actions a client may `perform`. Anything else is refused with `unknown_action`. */
  readonly actions: readonly string[];
}

/** Where a subscription is: `pending` until `subscribed` resolves, then `confirmed` or `rejected`, and `closed` at the end. */
export type SubscriptionState = "pending" | "confirmed" | "rejected" | "closed";

/**
 * Why a subscription closed: the client sent `unsubscribe` (a deliberate leave), its socket
 * `disconnect`ed (closed by either side, or lost: the client may come back), or the
 * subscription was `rejected`.
 */
export type CloseCause = "unsubscribe" | "disconnect" | "rejected";

/** A step of closing a subscription that failed: `unsubscribed` threw, or one stream's pub/sub stop rejected. */
export interface CloseFailure {
  readonly step: "unsubscribed" | "stop_stream";
  /** The stream whose stop failed (`stop_stream` only). */
  readonly stream?: string;
  readonly error: unknown;
}

/**
 * One subscription of one connection, as in Rails: subclass it, set `channelName` and `actions`,
 * and override `subscribed` / `unsubscribed`. The server confirms only after `subscribed` has
 * resolved and every `streamFrom` is live; `transmit`s made before that are sent after the confirm.
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

  readonly connection: ConnectionHandle;
  readonly cable: CableHandle;
  readonly identifier: string;
  readonly params: Readonly<Record<string, unknown>>;

  #state: SubscriptionState = "pending";
  #rejection: { reason?: string; message?: string } | undefined;
  readonly #identifierJson: string;
  // Streams forwarded here, each with its live pub/sub subscription. Nearly every subscription
  // has exactly one, so the first sits in two fields and a Map exists only from the second: with
  // thousands of idle sockets a Map each was a visible part of the memory per connection.
  #stream: string | undefined;
  #live: Live | undefined;
  #moreStreams: Map<string, Live> | undefined;
  #held: string[] | undefined;
  #closeCause: CloseCause | undefined;

  constructor(context: ChannelContext) {
    this.connection = context.connection;
    this.cable = context.cable;
    this.identifier = context.identifier;
    this.params = context.params;
    this.#identifierJson = JSON.stringify(context.identifier);
  }

  /** Where this subscription is in its life. */
  get state(): SubscriptionState {
    return this.#state;
  }

  /**
   * Why the subscription closed, readable in `unsubscribed()`: a channel can treat a deliberate
   * `unsubscribe` differently from a socket that dropped and may come back. `undefined` while open.
   */
  get closeCause(): CloseCause | undefined {
    return this.#closeCause;
  }

  /** The server's logger. */
  get logger(): Logger {
    return this.cable.logger;
  }

  /** Called once when the client subscribes. Call `reject()` here to refuse the subscription. */
  subscribed(): void | Promise<void> {}

  /** Called once when the client unsubscribes, its socket closes, or right after a rejection. */
  unsubscribed(): void | Promise<void> {}

  /**
   * Refuses the subscription. With a reason, the client first gets `{type:"error", reason, message}`
   * on this identifier (the Rails client delivers it to `received`), then `reject_subscription`.
   */
  reject(reason?: string, message?: string): void {
    this.#rejection = { reason, message };
  }

  /** Whether `reject()` was called (or `subscribed` failed). */
  get rejected(): boolean {
    return this.#rejection !== undefined;
  }

  /** The reason given to `reject()` (or the failure's), for logs and metrics; `undefined` if none. */
  get rejectionReason(): string | undefined {
    return this.#rejection?.reason;
  }

  /** Sends `data` to this subscription only. */
  transmit(data: unknown): void {
    this.#deliver(JSON.stringify(data ?? null));
  }

  /** Sends `{type:"error", reason, message}` to this subscription only. */
  transmitError(reason: string, message: string): void {
    this.transmit({ type: "error", reason, message });
  }

  /** Publishes `message` to every subscriber of `stream`, on every server process. */
  broadcast(stream: string, message: unknown): Promise<void> {
    return this.cable.broadcast(stream, message);
  }

  /**
   * Forwards every broadcast on `stream` to this subscription. Once per stream: calling it again
   * for the same stream does nothing, so nothing is delivered twice. Resolves when live.
   */
  async streamFrom(stream: string, callback?: (message: unknown) => void): Promise<void> {
    const existing = this.#liveOf(stream);
    if (this.#state === "closed" || existing) {
      await existing;
      return;
    }
    const handler = callback
      ? (payload: string) => this.#runCallback(stream, callback, payload)
      : (payload: string) => this.#deliver(payload);
    const live = this.cable.pubsub.subscribe(stream, handler);
    if (this.#stream === undefined) {
      this.#stream = stream;
      this.#live = live;
    } else {
      this.#moreStreams ??= new Map();
      this.#moreStreams.set(stream, live);
    }
    await live;
  }

  /** Stops forwarding `stream`; resolves once the pub/sub no longer delivers it here. */
  async stopStreamFrom(stream: string): Promise<void> {
    const live = this.#liveOf(stream);
    if (!live) return;
    if (this.#stream === stream) {
      this.#stream = undefined;
      this.#live = undefined;
    } else {
      this.#moreStreams?.delete(stream);
    }
    let stop: () => Promise<void>;
    try {
      stop = await live;
    } catch {
      return; // never went live (the pub/sub refused it): nothing to stop
    }
    await stop();
  }

  /**
   * Stops every stream of this subscription (done for you when it closes). Each is stopped even
   * when another's stop fails; then an `AggregateError` naming the streams that failed is thrown.
   */
  async stopAllStreams(): Promise<void> {
    const failures = await this.#stopStreams();
    if (failures.length === 0) return;
    const names = failures.map((f) => `"${quote(f.stream)}"`).join(", ");
    throw new AggregateError(
      failures.map((f) => f.error),
      `Could not stop ${names} of "${quote(this.params.channel)}"`,
    );
  }

  // ── lifecycle, driven by the connection ──────────────────────────────

  /**
   * @internal Resolves to the frames-to-send decision once `subscribed` and every stream are done.
   * On `rejected` the error (if any) has been sent; the connection then calls `_close("rejected")`.
   */
  async _subscribe(): Promise<"confirmed" | "rejected"> {
    try {
      await this.subscribed();
      await Promise.all(this.#streamNames().map((stream) => this.#liveOf(stream)));
    } catch (error) {
      this.logger.error("subscribed failed", { channel: this.params.channel, error: String(error) });
      // A P2pError (e.g. `pubsub_unavailable`) is meant for the client: pass its reason on.
      this.#rejection ??=
        error instanceof P2pError
          ? { reason: error.reason, message: error.message }
          : { reason: "action_failed", message: "the server could not subscribe you" };
    }
    if (this.#rejection) {
      this.#held = undefined;
      const { reason, message } = this.#rejection;
      if (reason)
        this.connection.send(
          dataFrame(this.#identifierJson, JSON.stringify({ type: "error", reason, message })),
        );
      return "rejected"; // the connection closes it with `_close("rejected")`
    }
    return "confirmed";
  }

  /** @internal Marks the subscription confirmed and flushes what was transmitted before. */
  _confirmed(): void {
    this.#state = "confirmed";
    const held = this.#held;
    this.#held = undefined;
    if (held) for (const frame of held) this.connection.send(frame);
  }

  /**
   * @internal Runs `unsubscribed` and stops every stream, each even when another step fails.
   * Never rejects: resolves to the steps that failed, for the connection to report. Idempotent.
   */
  async _close(cause: CloseCause): Promise<CloseFailure[]> {
    if (this.#closeCause !== undefined) return [];
    this.#state = "closed";
    this.#closeCause = cause;
    this.#held = undefined;
    const failures: CloseFailure[] = [];
    try {
      await this.unsubscribed();
    } catch (error) {
      failures.push({ step: "unsubscribed", error });
    }
    for (const { stream, error } of await this.#stopStreams()) {
      failures.push({ step: "stop_stream", stream, error });
    }
    if (cause === "rejected") this.#state = "rejected";
    return failures;
  }

  /** @internal The JSON text of the identifier, cached for frame building. */
  get _identifierJson(): string {
    return this.#identifierJson;
  }

  async #stopStreams(): Promise<{ stream: string; error: unknown }[]> {
    const streams = this.#streamNames();
    const results = await Promise.allSettled(streams.map((stream) => this.stopStreamFrom(stream)));
    return results.flatMap((result, i) =>
      result.status === "rejected" ? [{ stream: streams[i]!, error: result.reason }] : [],
    );
  }

  #liveOf(stream: string): Live | undefined {
    return this.#stream === stream ? this.#live : this.#moreStreams?.get(stream);
  }

  #streamNames(): string[] {
    const names = this.#moreStreams ? [...this.#moreStreams.keys()] : [];
    if (this.#stream !== undefined) names.unshift(this.#stream);
    return names;
  }

  #deliver(payload: string): void {
    const frame = dataFrame(this.#identifierJson, payload);
    if (this.#state === "confirmed") this.connection.send(frame);
    else if (this.#state === "pending") {
      this.#held ??= [];
      this.#held.push(frame);
    }
  }

  #runCallback(stream: string, callback: (message: unknown) => void, payload: string): void {
    if (this.#state !== "confirmed" && this.#state !== "pending") return;
    try {
      callback(JSON.parse(payload));
    } catch (error) {
      this.logger.error("stream callback failed", { stream: quote(stream), error: String(error) });
    }
  }
}
