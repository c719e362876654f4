import { Reasons } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";
import { performAction } from "./action.js";
import { type Channel, type ChannelClass, channelDriver } from "./channel.js";
import type { CableHandle, ConnectionHandle } from "./channel_context.js";
import {
  confirmHistoryFrame,
  type ExtCommand,
  type HistoryRequest,
  rejectHistoryFrame,
  whisperPayload,
} from "./ext_protocol.js";
import { ObservedReasons, type ObserverSet } from "./observer.js";
import { confirmFrame, dataFrame, parseIdentifier, quote, rejectFrame } from "./protocol.js";
import { closeChannels } from "./teardown.js";

/** One subscription of a session, as stored for a restore on another process. */
export interface SubscriptionRecord {
  readonly identifier: string;
  readonly streams: readonly string[];
}

/** What the subscriptions of a connection need from its server. */
export interface SubscriptionsHost {
  readonly cable: CableHandle;
  readonly logger: Logger;
  /** Told what happens, for metrics; a set with no observers costs one size check per call. */
  readonly observer: ObserverSet;
  readonly maxSubscriptions: number;
  channel(name: string): ChannelClass | undefined;
  subscriptionsChanged(delta: number): void;
}

/** The connection the subscriptions belong to, as they see it. */
export interface SubscriptionsOwner extends ConnectionHandle {
  /** Whether `welcome` went out: commands queued before a refused one are dropped. */
  readonly welcomed: boolean;
  /** Whether the socket is closing: a subscribe that completes then is closed, not confirmed. */
  readonly closing: boolean;
  /** Whether it speaks the extended protocol: positions, history, sessions that outlive a socket. */
  readonly extended?: boolean;
}

/**
 * The subscriptions of one connection, by identifier, and the client's commands on them:
 * `subscribe` (confirmed once the channel's streams are live; a duplicate is re-confirmed),
 * `unsubscribe` and `message`. The connection runs them from its queue, one at a time.
 */
export class Subscriptions {
  readonly #owner: SubscriptionsOwner;
  readonly #host: SubscriptionsHost;
  readonly #channels = new Map<string, Channel>();

  constructor(owner: SubscriptionsOwner, host: SubscriptionsHost) {
    this.#owner = owner;
    this.#host = host;
  }

  get size(): number {
    return this.#channels.size;
  }

  /** Runs one client command. */
  run(command: ExtCommand): void | Promise<void> {
    switch (command.command) {
      case "subscribe":
        return this.#subscribe(command.identifier, "history" in command ? command.history : undefined);
      case "unsubscribe":
        return this.#unsubscribe(command.identifier);
      case "message":
        return this.#perform(command.identifier, command.data);
      case "history":
        return this.#history(command.identifier, command.history);
      case "whisper":
        return this.#whisper(command.identifier, command.data);
    }
  }

  /** Passes `data` to the other subscribers of the subscription's (first) stream: never stored. */
  #whisper(identifier: string, data: unknown): Promise<void> | undefined {
    const channel = this.#channels.get(identifier);
    const stream = channel?.state === "confirmed" ? channelDriver.streams(channel)[0] : undefined;
    if (stream === undefined) {
      this.#host.logger.debug("whisper without a stream", {
        connection: this.#owner.id,
        identifier: quote(identifier),
      });
      return;
    }
    return this.#host.cable.pubsub.publish(stream, whisperPayload(this.#owner.id, JSON.stringify(data)));
  }

  // ── extended protocol: sessions that outlive their socket ────────────

  /** What a restore on another process needs: each confirmed subscription and its streams. */
  records(): SubscriptionRecord[] {
    const records: SubscriptionRecord[] = [];
    for (const [identifier, channel] of this.#channels) {
      if (channel.state === "confirmed")
        records.push({ identifier, streams: channelDriver.streams(channel) });
    }
    return records;
  }

  /** The socket is gone, the session kept: every subscription holds its broadcasts until a restore. */
  holdAll(): void {
    for (const channel of this.#channels.values()) channelDriver.hold(channel);
  }

  /** Sends what the subscriptions held, for a client that never asked for history after a restore. */
  releaseAll(): void {
    for (const channel of this.#channels.values()) channelDriver.release(channel);
  }

  /** The identifiers restored, for `welcome`'s `restored_ids`. */
  identifiers(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * Rebuilds the subscriptions of a session that began on another process, without `subscribed`:
   * each channel's `restored(streams)` runs. Those that cannot be rebuilt (not `restorable`, or
   * failing) are left out of `restored_ids`, and the client subscribes them again. Confirmed
   * silently by `confirmRestored` once `welcome` is out.
   */
  async restore(records: readonly SubscriptionRecord[]): Promise<void> {
    const host = this.#host;
    for (const { identifier, streams } of records.slice(0, host.maxSubscriptions)) {
      const parsed = parseIdentifier(identifier);
      const ChannelType = parsed.ok ? host.channel(parsed.channel) : undefined;
      if (!parsed.ok || !ChannelType?.restorable || this.#channels.has(identifier)) continue;
      const channel = new ChannelType({
        connection: this.#owner,
        cable: host.cable,
        identifier,
        params: parsed.params,
        extended: true,
      });
      if (await channelDriver.restore(channel, streams)) this.#channels.set(identifier, channel);
      else await closeChannels(this.#owner, [channel], "disconnect", host);
    }
  }

  /** Marks restored subscriptions confirmed (no frame: the client does not expect one). */
  confirmRestored(): void {
    for (const channel of this.#channels.values()) {
      if (channel.state !== "pending") continue;
      channelDriver.confirmed(channel);
      this.#host.subscriptionsChanged(1);
      this.#host.observer.subscriptionConfirmed(channel);
    }
  }

  /**
   * Answers a command the rate limit dropped: an error on its subscription when confirmed, or, for
   * a new subscribe, an error and `reject_subscription`. Anything else goes unanswered.
   */
  rateLimited({ command, identifier }: { command: string; identifier: string }, message: string): void {
    const channel = this.#channels.get(identifier);
    if (channel?.state === "confirmed") channelDriver.transmitError(channel, Reasons.rateLimited, message);
    else if (!channel && command === "subscribe") {
      const identifierJson = JSON.stringify(identifier);
      this.#sendError(identifierJson, Reasons.rateLimited, message);
      this.#reject(identifierJson, undefined, Reasons.rateLimited);
    }
  }

  /**
   * Closes every subscription, the socket being gone (or its session expired, or `moved`); the
   * confirmed ones are reported closed.
   */
  async closeAll(cause: "disconnect" | "moved" = "disconnect"): Promise<void> {
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    const confirmed = channels.filter((c) => c.state === "confirmed");
    this.#host.subscriptionsChanged(-confirmed.length);
    for (const channel of confirmed) this.#host.observer.subscriptionClosed(channel);
    await closeChannels(this.#owner, channels, cause, this.#host);
  }

  async #subscribe(identifier: string, history?: HistoryRequest): Promise<void> {
    const owner = this.#owner;
    const host = this.#host;
    if (!owner.welcomed) return; // queued before a `welcome` that never came: refused, or closed meanwhile
    const identifierJson = JSON.stringify(identifier);
    if (this.#channels.has(identifier)) {
      // Re-confirm a duplicate, without running `subscribed` again: it ends the Rails client's
      // guarantor loop and delivers nothing twice (cable-protocol.md §6.5).
      owner.send(confirmFrame(identifierJson));
      const existing = this.#channels.get(identifier)!;
      if (history && existing.state === "confirmed") await this.#replay(existing, identifierJson, history);
      return;
    }
    const parsed = parseIdentifier(identifier);
    if (!parsed.ok) {
      host.logger.warn("subscription rejected", { connection: owner.id, error: parsed.error });
      this.#reject(identifierJson, undefined, ObservedReasons.invalidIdentifier);
      return;
    }
    const ChannelType = host.channel(parsed.channel);
    if (!ChannelType) {
      host.logger.warn("subscription rejected", {
        connection: owner.id,
        error: `Unknown channel "${quote(parsed.channel)}" in subscribe identifier`,
      });
      this.#reject(identifierJson, parsed.channel, ObservedReasons.unknownChannel);
      return;
    }
    if (this.#channels.size >= host.maxSubscriptions) {
      host.logger.warn("subscription rejected", { connection: owner.id, error: "too many subscriptions" });
      const max = host.maxSubscriptions;
      this.#sendError(identifierJson, Reasons.tooManySubscriptions, `A socket may hold ${max} subscriptions`);
      this.#reject(identifierJson, parsed.channel, ObservedReasons.tooManySubscriptions);
      return;
    }
    const channel = new ChannelType({
      connection: owner,
      cable: host.cable,
      identifier,
      params: parsed.params,
      ...(owner.extended ? { extended: true } : {}),
    });
    this.#channels.set(identifier, channel);
    // History rides on the subscribe: broadcasts wait until it is replayed after the confirm.
    if (history) channelDriver.hold(channel);
    const outcome = await channelDriver.subscribe(channel);
    if (outcome === "rejected" || owner.closing) {
      this.#channels.delete(identifier);
      await closeChannels(owner, [channel], outcome === "rejected" ? "rejected" : "disconnect", host);
      if (outcome === "rejected")
        this.#reject(identifierJson, parsed.channel, channel.rejectionReason ?? ObservedReasons.rejected);
      return;
    }
    owner.send(confirmFrame(identifierJson));
    channelDriver.confirmed(channel);
    host.subscriptionsChanged(1);
    host.observer.subscriptionConfirmed(channel);
    if (history) await this.#replay(channel, identifierJson, history);
  }

  async #history(identifier: string, request: HistoryRequest): Promise<void> {
    const channel = this.#channels.get(identifier);
    const identifierJson = JSON.stringify(identifier);
    if (channel?.state !== "confirmed") {
      this.#host.logger.debug("history for a subscription that is not confirmed", {
        connection: this.#owner.id,
        identifier: quote(identifier),
      });
      this.#owner.send(rejectHistoryFrame(identifierJson));
      return;
    }
    await this.#replay(channel, identifierJson, { ...request, fromSubscription: true });
  }

  async #replay(channel: Channel, identifierJson: string, request: HistoryRequest): Promise<void> {
    const complete = await channelDriver.history(channel, request);
    this.#owner.send(complete ? confirmHistoryFrame(identifierJson) : rejectHistoryFrame(identifierJson));
  }

  async #unsubscribe(identifier: string): Promise<void> {
    const channel = this.#channels.get(identifier);
    if (!channel) {
      this.#host.logger.debug("unsubscribe for unknown identifier", {
        connection: this.#owner.id,
        identifier: quote(identifier),
      });
      return;
    }
    this.#channels.delete(identifier);
    this.#host.subscriptionsChanged(-1);
    this.#host.observer.subscriptionClosed(channel);
    await closeChannels(this.#owner, [channel], "unsubscribe", this.#host);
  }

  #perform(identifier: string, data: string): void | Promise<void> {
    const channel = this.#channels.get(identifier);
    if (channel?.state !== "confirmed") {
      this.#host.logger.warn("message for a subscription that is not confirmed", {
        connection: this.#owner.id,
        identifier: quote(identifier),
      });
      return;
    }
    return performAction(channel, data, this.#host.logger);
  }

  #reject(identifierJson: string, channel: string | undefined, reason: string): void {
    this.#owner.send(rejectFrame(identifierJson));
    this.#host.observer.subscriptionRejected(this.#owner, channel, reason);
  }

  #sendError(identifierJson: string, reason: string, message: string): void {
    this.#owner.send(dataFrame(identifierJson, JSON.stringify({ type: "error", reason, message })));
  }
}
