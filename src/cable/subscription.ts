import { P2pError } from "../protocol/errors.js";
import type { ChannelContext, CloseCause, CloseFailure, SubscriptionState } from "./channel_context.js";
import { ChannelStreams } from "./channel_streams.js";
import { dataFrame, quote } from "./protocol.js";

/** A rejection as `reject()` recorded it. */
interface Rejection {
  readonly reason?: string;
  readonly message?: string;
}

/**
 * The life of one subscription behind its `Channel`: `pending` until `subscribed` has resolved and
 * every stream is live, then `confirmed` or `rejected`, and `closed` at the end. What the channel
 * transmits before the confirm is held and sent right after it. Internal: a channel reaches it
 * through its protected methods, the connection through `channelDriver`.
 */
export class Subscription {
  readonly #context: ChannelContext;
  readonly #identifierJson: string;
  readonly #streams = new ChannelStreams();
  #state: SubscriptionState = "pending";
  #rejection: Rejection | undefined;
  #closeCause: CloseCause | undefined;
  #held: string[] | undefined;

  constructor(context: ChannelContext) {
    this.#context = context;
    this.#identifierJson = JSON.stringify(context.identifier);
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  get closeCause(): CloseCause | undefined {
    return this.#closeCause;
  }

  get rejection(): Rejection | undefined {
    return this.#rejection;
  }

  reject(reason?: string, message?: string): void {
    this.#rejection = { reason, message };
  }

  /** Sends a payload (JSON text) on this identifier, or holds it until the confirm. */
  deliver(payload: string): void {
    const frame = dataFrame(this.#identifierJson, payload);
    if (this.#state === "confirmed") this.#context.connection.send(frame);
    else if (this.#state === "pending") {
      this.#held ??= [];
      this.#held.push(frame);
    }
  }

  /** `Channel.streamFrom`: once per stream; resolves when live. */
  async streamFrom(stream: string, callback?: (message: unknown) => void): Promise<void> {
    const existing = this.#streams.get(stream);
    if (this.#state === "closed" || existing) {
      await existing;
      return;
    }
    const handler = callback
      ? (payload: string) => this.#runCallback(stream, callback, payload)
      : (payload: string) => this.deliver(payload);
    const live = this.#context.cable.pubsub.subscribe(stream, handler);
    this.#streams.add(stream, live);
    await live;
  }

  get streams(): ChannelStreams {
    return this.#streams;
  }

  /**
   * Runs `subscribed` and waits for every stream: `confirmed`, or `rejected` with the error (if a
   * reason was given) already sent; the connection then closes it with `close("rejected")`.
   */
  async subscribe(subscribed: () => void | Promise<void>): Promise<"confirmed" | "rejected"> {
    try {
      await subscribed();
      await this.#streams.whenLive();
    } catch (error) {
      const { cable, params } = this.#context;
      cable.logger.error("subscribed failed", { channel: params.channel, error: String(error) });
      // A P2pError (e.g. `pubsub_unavailable`) is meant for the client: pass its reason on.
      this.#rejection ??=
        error instanceof P2pError
          ? { reason: error.reason, message: error.message }
          : { reason: "action_failed", message: "the server could not subscribe you" };
    }
    if (!this.#rejection) return "confirmed";
    this.#held = undefined;
    const { reason, message } = this.#rejection;
    if (reason)
      this.#context.connection.send(
        dataFrame(this.#identifierJson, JSON.stringify({ type: "error", reason, message })),
      );
    return "rejected";
  }

  /** Marks the subscription confirmed and flushes what was transmitted before. */
  confirmed(): void {
    this.#state = "confirmed";
    const held = this.#held;
    this.#held = undefined;
    if (held) for (const frame of held) this.#context.connection.send(frame);
  }

  /**
   * Runs `unsubscribed` and stops every stream, each even when another step fails. Never rejects:
   * resolves to the steps that failed. Runs once; a second call resolves to no failures.
   */
  async close(cause: CloseCause, unsubscribed: () => void | Promise<void>): Promise<CloseFailure[]> {
    if (this.#closeCause !== undefined) return [];
    this.#state = "closed";
    this.#closeCause = cause;
    this.#held = undefined;
    const failures: CloseFailure[] = [];
    try {
      await unsubscribed();
    } catch (error) {
      failures.push({ step: "unsubscribed", error });
    }
    for (const { stream, error } of await this.#streams.stopAll()) {
      failures.push({ step: "stop_stream", stream, error });
    }
    if (cause === "rejected") this.#state = "rejected";
    return failures;
  }

  #runCallback(stream: string, callback: (message: unknown) => void, payload: string): void {
    if (this.#state !== "confirmed" && this.#state !== "pending") return;
    try {
      callback(JSON.parse(payload));
    } catch (error) {
      this.#context.cable.logger.error("stream callback failed", {
        stream: quote(stream),
        error: String(error),
      });
    }
  }
}
