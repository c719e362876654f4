import { adapters, Consumer } from "@rails/actioncable";
import WebSocket from "ws";
import type { CableConsumer } from "../client/cable_consumer.js";

/** Options of `createNodeConsumer`: the WebSocket class is a seam (default `ws`). */
export interface NodeConsumerOptions {
  /** Default the `ws` package's `WebSocket`: Node 20 has no global one. */
  WebSocket?: unknown;
}

/**
 * An `@rails/actioncable` consumer for Node: the same client code as the browser, on `ws`.
 * `url` must be absolute: `ws://`/`wss://`, or `http://`/`https://` (turned into `ws`/`wss`);
 * the browser resolves a relative URL against the page, Node has no page.
 *
 * Node 20 lacks two things the client expects of a window, and this supplies them here only (the
 * browser bundle never sees them): `adapters.WebSocket` is set to `ws`, and the connection
 * monitor's `addEventListener("visibilitychange")` on the global finds a no-op when Node has none.
 *
 * @example
 * const consumer = createNodeConsumer("ws://127.0.0.1:3000/cable");
 */
export function createNodeConsumer(url: string, options: NodeConsumerOptions = {}): CableConsumer {
  adapters.WebSocket = (options.WebSocket ?? WebSocket) as typeof adapters.WebSocket;
  installListenerShim();
  return new Consumer(cableWebSocketUrl(url)) as unknown as CableConsumer;
}

/** `http(s)://…` as `ws(s)://…`; a `ws(s)` URL as is; anything else is a `TypeError` naming it. */
export function cableWebSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new TypeError(`Cable URL "${url}" is not absolute: a Node peer has no page to resolve it against`, {
      cause: error,
    });
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") {
    parsed.protocol = parsed.protocol === "http:" ? "ws:" : "wss:";
  } else if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(`Cable URL "${url}" is not http(s) or ws(s)`);
  }
  return parsed.href;
}

// The connection monitor calls the window's `addEventListener("visibilitychange", …)` unqualified;
// Node 20 has no such global. A process has no visibility to watch, so the listener is dropped.
function installListenerShim(): void {
  const global = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  if (typeof global.addEventListener !== "function") global.addEventListener = () => undefined;
  if (typeof global.removeEventListener !== "function") global.removeEventListener = () => undefined;
}
