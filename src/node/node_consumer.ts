import WebSocket from "ws";
import type { CableConsumer } from "../client/cable_consumer.js";
import { createExtendedConsumer } from "../client/extended_consumer.js";
import type { Logger } from "../protocol/logger.js";

/** Options of `createNodeConsumer`: the WebSocket class is a seam (default `ws`). */
export interface NodeConsumerOptions {
  /** Default the `ws` package's `WebSocket`: Node 20 has no global one. */
  WebSocket?: unknown;
  /** Where the consumer's reconnects and restores are told. Default: silent. */
  logger?: Logger;
}

/**
 * The browser's consumer (`createExtendedConsumer`: AnyCable's extended protocol, so a blip of the
 * socket is restored; plain Action Cable when the server does not offer it) on `ws`, for Node.
 * `url` must be absolute: `ws://`/`wss://`, or `http://`/`https://` (turned into `ws`/`wss`);
 * the browser resolves a relative URL against the page, Node has no page.
 *
 * @example
 * const consumer = createNodeConsumer("ws://127.0.0.1:3000/cable");
 */
export function createNodeConsumer(url: string, options: NodeConsumerOptions = {}): CableConsumer {
  return createExtendedConsumer(cableWebSocketUrl(url), {
    websocketImplementation: options.WebSocket ?? WebSocket,
    logger: options.logger,
  });
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
