import { P2pError } from "../protocol/errors.js";
import type { PubSubHandler, StreamPosition } from "../pubsub/adapter.js";
import { broadcastFrame } from "./broadcast_frame.js";
import type { ChannelContext, CloseCause, CloseFailure, SubscriptionState } from "./channel_context.js";
import { ChannelStreams } from "./channel_streams.js";
import { type HistoryRequest, isWhisper, positionSuffix, whisperFor } from "./ext_protocol.js";
import { dataFrame, quote } from "./protocol.js";

type StreamCallback = (message: unknown) => void;

/** A broadcast held while the socket is away or history is replayed (extended protocol only). */
interface Held {
  readonly stream: string;
  readonly payload: string;
  readonly position: StreamPosition | undefined;
}

/** Most broadcasts held for one subscription; older ones are dropped (history still has them). */
const MAX_HELD = 1000;

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
  // Extended protocol only: the last position sent per stream (to send nothing twice), the
  // broadcasts held meanwhile, the stream callbacks (for replays), and the position of the
  // broadcast being forwarded or whose callback is running (its frames end with it).
  #positions: Map<string, StreamPosition> | undefined;
  #hold: Held[] | undefined;
  #callbacks: Map<string, StreamCallback> | undefined;
  #current: string | undefined;
  /** When it began, in seconds since the epoch; 0 when rebuilt from another process (unknown). */
  #startedAt = Date.now() / 1000;

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
    const frame = broadcastFrame(this.#identifierJson, payload, this.#current);
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
    let handler: PubSubHandler;
    if (this.#context.extended) {
      if (callback) {
        this.#callbacks ??= new Map();
        this.#callbacks.set(stream, callback);
      }
      handler = (payload, position) => this.#receive(stream, payload, position);
    } else {
      const forward = callback
        ? (payload: string) => this.#runCallback(stream, callback, payload)
        : (payload: string) => this.deliver(payload);
      // Whispers come from extended-protocol clients: plain subscribers get them as data too.
      handler = (payload) => (isWhisper(payload) ? this.#whispered(payload) : forward(payload));
    }
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
   * Restores the subscription of a session restored from another process: runs `restored` (the
   * channel's hook, not `subscribed`) and waits for every stream. Broadcasts are held until the
   * client's `history` request (or `release`). The caller confirms it after `welcome`, silently.
   */
  async restore(restored: () => void | Promise<void>): Promise<boolean> {
    this.#startedAt = 0;
    this.hold();
    try {
      await restored();
      await this.#streams.whenLive();
      return true;
    } catch (error) {
      const { cable, params } = this.#context;
      cable.logger.error("restore failed", { channel: params.channel, error: String(error) });
      return false;
    }
  }

  /** Holds every broadcast from now until `release`: the socket is away, or history is replayed. */
  hold(): void {
    this.#hold ??= [];
  }

  /** Sends what was held, each broadcast at most once (a replay may have sent it already). */
  release(): void {
    const held = this.#hold;
    this.#hold = undefined;
    if (held) for (const { stream, payload, position } of held) this.#emit(stream, payload, position);
  }

  /**
   * Answers a `history` request: every broadcast after the client's position in each stream of
   * this subscription (or since `since` where it has none), in order, then what arrived meanwhile.
   * False when some could not be given (unknown epoch, too old): the client gets `reject_history`.
   */
  async history(request: HistoryRequest): Promise<boolean> {
    this.hold();
    const read = this.#context.cable.pubsub.readHistory?.bind(this.#context.cable.pubsub);
    // The client's positions are the truth: what went to an earlier socket may never have arrived.
    this.#positions = new Map();
    let complete = true;
    try {
      for (const stream of this.#streams.names()) {
        const known = request.streams.get(stream);
        if (known) this.#positions.set(stream, known);
        const since =
          request.since === undefined || !request.fromSubscription
            ? request.since
            : Math.max(request.since, this.#startedAt);
        const cursor = known ?? (since === undefined ? undefined : { since });
        if (!cursor) continue;
        const entries = read ? await read(stream, cursor) : known ? undefined : [];
        if (!entries) complete = false;
        else for (const entry of entries) this.#emit(stream, entry.payload, entry.position);
      }
    } catch (error) {
      this.#context.cable.logger.warn("history failed", {
        channel: this.#context.params.channel,
        error: String(error),
      });
      complete = false;
    } finally {
      this.release();
    }
    return complete;
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
    this.#hold = undefined;
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

  /** A broadcast on an extended-protocol socket: held, or sent once with its position. */
  #receive(stream: string, payload: string, position: StreamPosition | undefined): void {
    if (this.#state === "closed" || this.#state === "rejected") return;
    if (isWhisper(payload)) {
      if (!this.#hold) this.#whispered(payload);
      return;
    }
    const hold = this.#hold;
    if (!hold) {
      this.#emit(stream, payload, position);
      return;
    }
    if (hold.length >= MAX_HELD) hold.shift();
    hold.push({ stream, payload, position });
  }

  #emit(stream: string, payload: string, position: StreamPosition | undefined): void {
    if (position) {
      this.#positions ??= new Map();
      const last = this.#positions.get(stream);
      if (last && last.epoch === position.epoch && position.offset <= last.offset) return;
      this.#positions.set(stream, position);
      this.#current = positionSuffix(stream, position);
    }
    try {
      const callback = this.#callbacks?.get(stream);
      if (callback) this.#runCallback(stream, callback, payload);
      else this.deliver(payload);
    } finally {
      this.#current = undefined;
    }
  }

  /** A whisper of another client: straight to this one (no stream callback, no history), if confirmed. */
  #whispered(payload: string): void {
    const data = whisperFor(this.#context.connection.id, payload);
    if (data !== undefined && this.#state === "confirmed") {
      this.#context.connection.send(dataFrame(this.#identifierJson, data));
    }
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
