import type { FakeSubscription, PerformedAction } from "../../src/testing/fake_consumer.js";

/**
 * What a `SignalingChannel` subscription did, as the server sees it: a plain `join` first when it
 * joined as it subscribed (`"join": true` in its identifier) and was confirmed, then its actions.
 */
export function sessionActions(subscription: FakeSubscription): PerformedAction[] {
  const joined = subscription.params.join === true && subscription.confirmations > 0;
  return [...(joined ? [{ action: "join", data: {} }] : []), ...subscription.performed];
}
