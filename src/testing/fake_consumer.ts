import type { CableConsumer, CableMixin, CableSubscription } from "../client/cable_consumer.js";

/** One action a subscription performed. */
export interface PerformedAction {
  action: string;
  data: Record<string, unknown>;
}

/**
 * One subscription of a `FakeConsumer`. The code under test performs and unsubscribes; the test
 * plays the server with `connected()`, `disconnected()`, `rejected()` and `received(data)`, which
 * call the subscription's mixin as `@rails/actioncable` would.
 */
export class FakeSubscription implements CableSubscription {
  /** Every action performed, in order. */
  readonly performed: PerformedAction[] = [];
  /** Whether `unsubscribe()` was called. */
  unsubscribed = false;
  /** How many times the test played `confirm_subscription`. */
  confirmations = 0;

  constructor(
    readonly consumer: FakeConsumer,
    readonly params: { channel: string; [key: string]: unknown },
    readonly mixin: CableMixin,
  ) {}

  /** Records an action (the code under test calls it). */
  perform(action: string, data: object = {}): boolean {
    this.performed.push({ action, data: { ...data } as Record<string, unknown> });
    return true;
  }

  /** Records the unsubscribe (the code under test calls it). */
  unsubscribe(): void {
    this.unsubscribed = true;
  }

  /** The names of the actions performed, in order. */
  get actions(): string[] {
    return this.performed.map(({ action }) => action);
  }

  /** Plays `confirm_subscription`. */
  connected(): void {
    this.confirmations += 1;
    this.mixin.connected?.();
  }

  /** Plays the socket closing under the subscription. */
  disconnected(): void {
    this.mixin.disconnected?.();
  }

  /** Plays `reject_subscription`. */
  rejected(): void {
    this.mixin.rejected?.();
  }

  /** Plays one message from the channel. */
  received(data: unknown): void {
    this.mixin.received?.(data);
  }
}

/** Creates `FakeConsumer`s and keeps them: hand `createConsumer` to `P2pSession`. */
export interface FakeConsumerFactory {
  /** Every consumer made so far, oldest first. */
  readonly consumers: FakeConsumer[];
  /** Makes one consumer (as `createConsumer` of `@rails/actioncable`). */
  createConsumer(url?: string): FakeConsumer;
  /** The newest consumer; throws when none was made. */
  last(): FakeConsumer;
}

/**
 * A double of an Action Cable consumer (`createConsumer()` of `@rails/actioncable`): it fits
 * `P2pSession`'s `createConsumer` and `Room`'s `consumer`, records subscriptions and whether the
 * socket was closed, and lets the test deliver what the server would (see `FakeSubscription`).
 *
 * @example
 * const cable = FakeConsumer.factory();
 * const session = new P2pSession({ sessionId, peerId, token, createConsumer: cable.createConsumer });
 * session.start();
 * const subscription = cable.last().subscription!;
 * subscription.connected();
 * assert.deepEqual(subscription.actions, ["join"]);
 */
export class FakeConsumer implements CableConsumer {
  /** Every subscription created, oldest first. */
  readonly created: FakeSubscription[] = [];
  /** Whether `disconnect()` was called (the socket is closed). */
  closed = false;
  /** As `consumer.subscriptions` of `@rails/actioncable`. */
  readonly subscriptions = {
    /** Records a `FakeSubscription` with `params` and the code under test's `mixin`, and returns it. */
    create: (params: { channel: string; [key: string]: unknown }, mixin: CableMixin): FakeSubscription => {
      const subscription = new FakeSubscription(this, params, mixin);
      this.created.push(subscription);
      return subscription;
    },
  };

  constructor(readonly url?: string) {}

  /** A factory that keeps every consumer it makes. */
  static factory(): FakeConsumerFactory {
    const consumers: FakeConsumer[] = [];
    return {
      consumers,
      createConsumer: (url?: string) => {
        const consumer = new FakeConsumer(url);
        consumers.push(consumer);
        return consumer;
      },
      last: () => {
        const consumer = consumers.at(-1);
        if (!consumer) throw new Error("FakeConsumer.factory(): no consumer was created yet");
        return consumer;
      },
    };
  }

  /** The newest subscription, if any. */
  get subscription(): FakeSubscription | undefined {
    return this.created.at(-1);
  }

  /** Closes the socket (the code under test calls it). */
  disconnect(): void {
    this.closed = true;
  }
}
