/** Receives a broadcast payload: JSON text, exactly as published. */
export type PubSubHandler = (payload: string) => void;

/**
 * Moves a broadcast to every subscriber of a stream, possibly across processes.
 * Contract (proven for each implementation by test/support/pubsub_contract.ts):
 * - `subscribe` resolves once the subscription is live: a publish that starts after it resolves
 *   reaches the handler;
 * - every live handler gets each payload exactly once, in publish order per stream;
 * - the function `subscribe` resolves to removes that one handler, and no payload reaches it after.
 */
export interface PubSub {
  /** Calls `handler` with every payload published on `stream`; resolves, once live, to the function that unsubscribes. */
  subscribe(stream: string, handler: PubSubHandler): Promise<() => Promise<void>>;
  /** Delivers `payload` (JSON text) to every subscriber of `stream`, in every process sharing this pub/sub. */
  publish(stream: string, payload: string): Promise<void>;
  /** Drops every subscription and releases connections. */
  close(): Promise<void>;
}
