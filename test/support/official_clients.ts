import { type Cable, createCable } from "@anycable/core";
import { adapters, type Consumer, createConsumer } from "@rails/actioncable";
import { WebSocket } from "ws";

/**
 * A `@rails/actioncable` consumer in Node (cable-protocol.md §9): `ws` as the WebSocket adapter,
 * an absolute URL, and no-op global `addEventListener`/`removeEventListener` for the monitor's
 * `visibilitychange` hook. Disconnected for good when `dispose` runs.
 */
export function railsConsumer(url: string): Consumer {
  const g = globalThis as unknown as Record<string, unknown>;
  g.addEventListener ??= () => {};
  g.removeEventListener ??= () => {};
  (adapters as { WebSocket: unknown }).WebSocket = WebSocket;
  return createConsumer(url);
}

/** The parts of a Rails consumer that its typings hide and reconnect tests need. */
export interface RailsConsumerInternals {
  connection: { reopen(): void; monitor: { isRunning(): boolean } };
  subscriptions: { subscriptions: unknown[] };
}

export function railsInternals(consumer: Consumer): RailsConsumerInternals {
  return consumer as unknown as RailsConsumerInternals;
}

/**
 * An `@anycable/core` cable in Node, with the plain Action Cable protocol. Its reconnect backoff
 * (1.5–9 s by default) is shortened to `reconnectMs` so that a restart test finishes quickly.
 */
export function anyCable(url: string, reconnectMs = 25): Cable {
  return createCable(url, {
    websocketImplementation: WebSocket,
    protocol: "actioncable-v1-json",
    logLevel: "error",
    reconnectStrategy: () => reconnectMs,
  });
}

/**
 * An `@anycable/core` cable in Node speaking AnyCable's extended protocol
 * (`actioncable-v1-ext-json`): session restore and stream history. Reconnects after `reconnectMs`.
 */
export function anyCableExt(url: string, reconnectMs = 25): Cable {
  return createCable(url, {
    websocketImplementation: WebSocket,
    protocol: "actioncable-v1-ext-json",
    logLevel: "error",
    reconnectStrategy: () => reconnectMs,
  });
}
