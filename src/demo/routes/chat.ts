import type { ServerResponse } from "node:http";
import type { P2pFrameConfig } from "../../html/p2p_frame_tag.js";
import { isSessionPart } from "../../identity/session_token.js";
import { type Route, sendHtml, sendText } from "../router.js";
import { chatNameView, chatView } from "../views/chat.js";

/** Limits of the `/chat` query, as its 400 messages state them. */
export const chatLimits = { maxName: 40, minMs: 50, maxMs: 60_000 } as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * `GET /chat?name=NAME&session=ID`: the chat (a one-to-many session) for NAME, whose peer id is
 * NAME. Optional `interval` and `idle` (heartbeat, ms) and `keep=1` (keep the cable connection)
 * let anyone try the client configuration without code; a bad value is a 400 that names it.
 */
export const chatRoutes: Route[] = [
  {
    method: "GET",
    path: "/chat",
    handle(request, response, _params, context) {
      const query = new URL(request.url ?? "/", "http://localhost").searchParams;
      const sessionId = query.get("session") || "chat";
      if (!isSessionPart(sessionId)) return badRequest(response, "session must be at most 200 characters");
      const name = (query.get("name") ?? "").trim();
      if (name === "") return sendHtml(response, chatNameView(sessionId, chatLimits.maxName));
      if ([...name].length > chatLimits.maxName) {
        return badRequest(response, `name must be at most ${chatLimits.maxName} characters`);
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      if (/[\u0000-\u001f\u007f]/.test(name))
        return badRequest(response, "name must not contain control characters");
      const config = readConfig(query);
      if (!config.ok) return badRequest(response, config.error);
      sendHtml(
        response,
        chatView(context.cable.signer, {
          name,
          sessionId,
          config: { iceServers: context.iceServers, ...config.value },
        }),
      );
    },
  },
];

function readConfig(query: URLSearchParams): Parsed<P2pFrameConfig> {
  const config: P2pFrameConfig = {};
  const interval = readMs(query, "interval");
  if (!interval.ok) return interval;
  const idle = readMs(query, "idle");
  if (!idle.ok) return idle;
  if (interval.value !== undefined && idle.value !== undefined && idle.value <= interval.value) {
    return { ok: false, error: `idle (${idle.value}) must be greater than interval (${interval.value})` };
  }
  if (interval.value !== undefined || idle.value !== undefined) {
    config.heartbeat = {
      ...(interval.value === undefined ? {} : { intervalMs: interval.value }),
      ...(idle.value === undefined ? {} : { idleTimeoutMs: idle.value }),
    };
  }
  const keep = query.get("keep");
  if (keep !== null && keep !== "0" && keep !== "1") {
    return { ok: false, error: `keep must be 1 or 0, got "${keep.slice(0, 40)}"` };
  }
  if (keep === "1") config.keepCableConnection = true;
  return { ok: true, value: config };
}

function readMs(query: URLSearchParams, name: string): Parsed<number | undefined> {
  const raw = query.get(name);
  if (raw === null) return { ok: true, value: undefined };
  const value = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= chatLimits.minMs && value <= chatLimits.maxMs)) {
    const { minMs, maxMs } = chatLimits;
    return {
      ok: false,
      error: `${name} must be a whole number of milliseconds from ${minMs} to ${maxMs}, got "${raw.slice(0, 40)}"`,
    };
  }
  return { ok: true, value };
}

function badRequest(response: ServerResponse, message: string): void {
  sendText(response, `Bad request: ${message}`, 400);
}
