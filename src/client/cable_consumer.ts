/**
 * The part of an Action Cable consumer that `P2pSession` and `Room` use. `@rails/actioncable`'s
 * `Consumer` (and `@anycable/web`'s compatibility consumer) fit it; tests pass `FakeConsumer`.
 */
export interface CableConsumer {
  subscriptions: {
    /** Subscribes to a channel, as `consumer.subscriptions.create(params, mixin)`. */
    create(params: { channel: string; [key: string]: unknown }, mixin: CableMixin): CableSubscription;
  };
  /** Closes the consumer's socket: a session peer does once connected to its host (`keepCableConnection: false`). */
  disconnect(): void;
}

/** Callbacks a subscription calls, as `consumer.subscriptions.create(params, mixin)` takes them. */
export interface CableMixin {
  /** The subscription was confirmed. */
  connected?(): void;
  /** The socket under the subscription closed; the consumer reconnects by itself. */
  disconnected?(): void;
  /** The server refused the subscription (after an `{type:"error"}` message saying why). */
  rejected?(): void;
  /** One message the server sent to this subscription. */
  received?(data: unknown): void;
}

/** What `create` returns: enough to `perform` an action and to leave. */
export interface CableSubscription {
  /** Calls the channel's public `action` with `data`. */
  perform(action: string, data?: object): unknown;
  /** Leaves the channel. */
  unsubscribe(): unknown;
}
