/**
 * The part of an Action Cable consumer that `P2pSession` and `Room` use. Theirs by default is
 * `createExtendedConsumer` (AnyCable's extended protocol, falling back to the plain one);
 * `@rails/actioncable`'s `Consumer` fits too; tests pass `FakeConsumer`.
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
  /**
   * The subscription is gone with its socket (and, with the extended protocol, with its session):
   * the consumer reconnects and subscribes afresh by itself.
   */
  disconnected?(): void;
  /**
   * Extended protocol: the socket dropped and the consumer is restoring the session. Nothing is
   * unsubscribed on the server; actions performed meanwhile are held until `restored`.
   */
  interrupted?(): void;
  /**
   * Extended protocol: the session is back as it was (no new `connected`); what was broadcast
   * meanwhile follows, once and in order, then the held actions go out.
   */
  restored?(): void;
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
