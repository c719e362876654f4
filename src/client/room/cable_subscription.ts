import { P2pError, type Reason, Reasons } from "../../protocol/errors.js";
import type { CableConsumer, CableSubscription } from "../cable_consumer.js";

/** A subscription whose confirmation can be awaited. */
export interface ConfirmedSubscription {
  readonly subscription: CableSubscription;
  /**
   * Resolves on the first `confirm_subscription`; rejects on `reject_subscription` with a `P2pError`
   * carrying the server's reason (`room_full`, `expired_token`…), `not_subscribed` when it gave none.
   */
  readonly ready: Promise<void>;
}

/**
 * Subscribes and hands every object message to `received`. An `{type:"error"}` message goes to
 * `error` instead; one that precedes a rejection also becomes the rejection's message.
 */
export function subscribeChannel(
  consumer: CableConsumer,
  params: { channel: string; [key: string]: unknown },
  handlers: {
    received(message: Record<string, unknown>): void;
    error(reason: string, message: string): void;
  },
): ConfirmedSubscription {
  let lastError: { reason: string; message: string } | null = null;
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const subscription = consumer.subscriptions.create(params, {
    connected: () => settle.resolve(),
    rejected: () =>
      settle.reject(
        lastError
          ? new P2pError(lastError.reason as Reason, lastError.message)
          : new P2pError(Reasons.notSubscribed, `${params.channel} subscription was rejected`),
      ),
    received: (data) => {
      if (typeof data !== "object" || data === null) return;
      const message = data as Record<string, unknown>;
      if (message.type === "error") {
        lastError = { reason: String(message.reason), message: String(message.message) };
        handlers.error(String(message.reason), String(message.message));
        return;
      }
      handlers.received(message);
    },
  });
  return { subscription, ready };
}
