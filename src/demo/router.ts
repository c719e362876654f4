import type { IncomingMessage, ServerResponse } from "node:http";
import type { CableServer } from "../cable/server.js";
import type { SafeHtml } from "../html/html.js";
import type { IceOptions } from "../identity/turn_credentials.js";
import type { Logger } from "../protocol/logger.js";
import type { VideoCapOptions } from "../protocol/room_messages.js";
import type { CableMetrics } from "../server/cable_metrics.js";

/** What every demo route gets besides the request. */
export interface DemoContext {
  readonly cable: CableServer;
  readonly logger: Logger;
  /** ICE servers handed to pages (default none: host candidates only). */
  readonly iceServers: RTCIceServer[];
  /** STUN/TURN whose TURN credentials are minted per page (checked; empty when none). */
  readonly ice: IceOptions;
  /** Video caps handed to room pages (default the library's). */
  readonly roomVideoCaps: VideoCapOptions;
  /** The cable's Prometheus metrics, served at `/metrics`. */
  readonly metrics: CableMetrics;
  /** Extra services routes registered (session store, …), keyed by name. */
  readonly services: Record<string, unknown>;
}

export interface Route {
  method: "GET" | "POST";
  /** Exact path, or a pattern whose groups are handed to `handle`. */
  path: string | RegExp;
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    params: string[],
    context: DemoContext,
  ): void | Promise<void>;
}

export function sendHtml(response: ServerResponse, page: SafeHtml | string, status = 200): void {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(String(page));
}

export function sendJson(response: ServerResponse, value: unknown, status = 200): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(value));
}

export function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { location }).end();
}

export function notFound(response: ServerResponse): void {
  sendText(response, "Not found", 404);
}

/**
 * A plain-text answer. `nosniff`, because the text may echo what the client sent (a 400 names
 * the bad value) and must never be sniffed into HTML.
 */
export function sendText(response: ServerResponse, text: string, status: number): void {
  response.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(`${text}\n`);
}

/** Finds the route for a request: the first whose method and path match. */
export function match(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    if (typeof route.path === "string") {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const found = route.path.exec(path);
    if (found) return { route, params: found.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}
