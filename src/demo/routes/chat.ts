import type { IncomingMessage, ServerResponse } from "node:http";
import { type P2pFrameConfig, p2pFrameTicket } from "../../html/p2p_frame_tag.js";
import { isSessionPart } from "../../identity/session_token.js";
import { type Route, sendHtml, sendJson, sendText } from "../router.js";
import { chatNameView, chatView } from "../views/chat.js";

/** Limits of the `/chat` query, as its 400 messages state them. */
export const chatLimits = { maxName: 40, minMs: 50, maxMs: 60_000 } as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * `GET /chat?name=NAME&session=ID`: the chat (a one-to-many session) for NAME, whose peer id is
 * NAME. Optional `interval` and `idle` (heartbeat, ms), `keep=1` (keep the cable connection),
 * `policy=relay` (ICE through TURN only: with no TURN server, peer-to-peer never connects and the
 * page is `relayed`), `p2p` (ms before a page without a data channel is `relayed`) and `retry` (ms
 * between the host's attempts at peer-to-peer with a relayed page, at most) let anyone
 * try the client configuration without code; a bad value is a 400 that names it.
 *
 * `GET /chat/token?name=NAME&session=ID` (same query): what that page's `<p2p-frame>` carries, as
 * JSON `{ cableUrl, sessionId, peerId, token, config }`, for a peer without a page (a Node bot,
 * `p2p-streams-channel join`). A bad query is a 400 `{ error }`.
 */
export const chatRoutes: Route[] = [
  {
    method: "GET",
    path: "/chat",
    handle(request, response, _params, context) {
      const query = new URL(request.url ?? "/", "http://localhost").searchParams;
      const chat = readChatQuery(query);
      if (!chat.ok) return badRequest(response, chat.error);
      const { sessionId, name, config } = chat.value;
      if (name === "") return sendHtml(response, chatNameView(sessionId, chatLimits.maxName));
      sendHtml(
        response,
        chatView(context.cable.signer, {
          name,
          sessionId,
          config: { iceServers: context.iceServers, ...config },
          ice: context.ice,
        }),
      );
    },
  },
  {
    method: "GET",
    path: "/chat/token",
    handle(request, response, _params, context) {
      const query = new URL(request.url ?? "/", "http://localhost").searchParams;
      const chat = readChatQuery(query);
      if (!chat.ok) return sendJson(response, { error: chat.error }, 400);
      const { sessionId, name, config } = chat.value;
      if (name === "") return sendJson(response, { error: "name is required" }, 400);
      const ticket = p2pFrameTicket(context.cable.signer, {
        sessionId,
        peerId: name,
        config: { iceServers: context.iceServers, ...config },
        ice: context.ice,
      });
      sendJson(response, { cableUrl: cableUrlFor(request), sessionId, peerId: name, ...ticket });
    },
  },
];

/**
 * The `/chat` query: the session (default `chat`), the name (`""` when missing or blank) and the
 * client configuration, or the error a 400 states.
 */
function readChatQuery(
  query: URLSearchParams,
): Parsed<{ sessionId: string; name: string; config: P2pFrameConfig }> {
  const sessionId = query.get("session") || "chat";
  if (!isSessionPart(sessionId)) return { ok: false, error: "session must be at most 200 characters" };
  const name = (query.get("name") ?? "").trim();
  if (name === "") return { ok: true, value: { sessionId, name, config: {} } };
  if ([...name].length > chatLimits.maxName)
    return { ok: false, error: `name must be at most ${chatLimits.maxName} characters` };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name))
    return { ok: false, error: "name must not contain control characters" };
  const config = readConfig(query);
  return config.ok ? { ok: true, value: { sessionId, name, config: config.value } } : config;
}

/** The cable's absolute URL as this request reached the server: a Node peer has no page to resolve `/cable`. */
function cableUrlFor(request: IncomingMessage): string {
  const secure = (request.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? "wss" : "ws"}://${request.headers.host ?? "localhost"}/cable`;
}

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
  const policy = query.get("policy");
  if (policy !== null && policy !== "all" && policy !== "relay") {
    return { ok: false, error: `policy must be all or relay, got "${policy.slice(0, 40)}"` };
  }
  if (policy !== null) config.iceTransportPolicy = policy;
  const p2p = readMs(query, "p2p");
  if (!p2p.ok) return p2p;
  if (p2p.value !== undefined) config.p2pTimeoutMs = p2p.value;
  const retry = readMs(query, "retry");
  if (!retry.ok) return retry;
  if (retry.value !== undefined) config.p2pRetry = { initialMs: retry.value, maxMs: retry.value };
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
