import { Reasons } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";
import { performAction } from "./action.js";
import { type Channel, type ChannelClass, channelDriver } from "./channel.js";
import type { CableHandle, ConnectionHandle } from "./channel_context.js";
import { ObservedReasons, type ObserverSet } from "./observer.js";
import { type Command, confirmFrame, dataFrame, parseIdentifier, quote, rejectFrame } from "./protocol.js";
import { closeChannels } from "./teardown.js";

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
  run(command: Command): void | Promise<void> {
    switch (command.command) {
      case "subscribe":
        return this.#subscribe(command.identifier);
      case "unsubscribe":
        return this.#unsubscribe(command.identifier);
      case "message":
        return this.#perform(command.identifier, command.data);
    }
  }

  /**
   * Answers a command the rate limit dropped: an error on its subscription when confirmed, or, for
   * a new subscribe, an error and `reject_subscription`. Anything else goes unanswered.
   */
  rateLimited({ command, identifier }: Command, message: string): void {
    const channel = this.#channels.get(identifier);
    if (channel?.state === "confirmed") channelDriver.transmitError(channel, Reasons.rateLimited, message);
    else if (!channel && command === "subscribe") {
      const identifierJson = JSON.stringify(identifier);
      this.#sendError(identifierJson, Reasons.rateLimited, message);
      this.#reject(identifierJson, undefined, Reasons.rateLimited);
    }
  }

  /** Closes every subscription, the socket being gone; the confirmed ones are reported closed. */
  async closeAll(): Promise<void> {
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    const confirmed = channels.filter((c) => c.state === "confirmed");
    this.#host.subscriptionsChanged(-confirmed.length);
    for (const channel of confirmed) this.#host.observer.subscriptionClosed(channel);
    await closeChannels(this.#owner, channels, "disconnect", this.#host);
  }

  async #subscribe(identifier: string): Promise<void> {
    const owner = this.#owner;
    const host = this.#host;
    if (!owner.welcomed) return; // queued before a `welcome` that never came: refused, or closed meanwhile
    const identifierJson = JSON.stringify(identifier);
    if (this.#channels.has(identifier)) {
      // Re-confirm a duplicate, without running `subscribed` again: it ends the Rails client's
      // guarantor loop and delivers nothing twice (cable-protocol.md §6.5).
      owner.send(confirmFrame(identifierJson));
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
    });
    this.#channels.set(identifier, channel);
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
