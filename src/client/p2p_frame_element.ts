import { P2pError, Reasons } from "../protocol/errors.js";
import { dispatchP2pEvent } from "./dispatch_p2p_event.js";
import type { StateDetail } from "./frame_events.js";
import { P2pSession } from "./session/p2p_session.js";
import type {
  BackoffOptions,
  P2pSessionOptions,
  PeerStates,
  SessionData,
  SessionState,
} from "./session/types.js";

// Node (server-side rendering, unit tests) has no HTMLElement: the class must still load there.
const Base = (typeof HTMLElement === "undefined" ? class {} : HTMLElement) as typeof HTMLElement;

/**
 * `<p2p-frame>`: one page's place in a one-to-many session. Reads its attributes, runs a
 * `P2pSession` while it is in the document and re-dispatches the session's events as `p2p:*` DOM
 * events. Rendered by the server's `p2pFrameTag` with a signed token; registered by `define()` (or
 * by loading the `p2p-streams-channel/browser` bundle).
 *
 * @example
 * <p2p-frame session-id="chat-1" peer-id="alice" token="…" config='{"heartbeat":{"intervalMs":500,"idleTimeoutMs":2000}}'>
 *   <div data-controller="chat">…</div>
 * </p2p-frame>
 * frame.addEventListener("p2p:message", ({ detail }) => console.log(detail.senderId, detail.data));
 */
export class P2pFrameElement extends Base {
  /**
   * Options every frame's session starts with, before its attributes: a seam for apps and tests
   * (logger, consumer, clock…). Set them before frames enter the document. Silent by default; to see
   * what the frames do in the browser console: `P2pFrameElement.defaults.logger = console`.
   */
  static defaults: Partial<P2pSessionOptions> = {};
  #session: P2pSession | null = null;

  /** Starts the session when the element enters the document (reading its attributes then). */
  connectedCallback(): void {
    if (this.#session) return;
    let options: P2pSessionOptions;
    try {
      options = { ...P2pFrameElement.defaults, ...this.#readOptions() };
    } catch (error) {
      const p2pError = error as P2pError;
      dispatchP2pEvent(this, "p2p:error", {
        reason: p2pError.reason,
        message: p2pError.message,
        error: p2pError,
      });
      return;
    }
    const session = new P2pSession(options);
    this.#session = session;
    session.on("state", ({ state }) => {
      if (state !== "failed") dispatchP2pEvent(this, `p2p:${state}`, this.#stateDetail(state));
    });
    session.on("error", ({ error, peerId }) =>
      dispatchP2pEvent(this, "p2p:error", { reason: error.reason, message: error.message, peerId, error }),
    );
    session.on("message", (message) => dispatchP2pEvent(this, "p2p:message", message));
    session.on("peers", (states) => dispatchP2pEvent(this, "p2p:peers", states));
    session.on("host", (detail) => dispatchP2pEvent(this, "p2p:host", detail));
    session.on("stream", (detail) => dispatchP2pEvent(this, "p2p:stream", detail));
    session.start();
  }

  /** Closes the session when the element leaves the document. */
  disconnectedCallback(): void {
    // A frame moved within the page (connected again in the same task) keeps its session.
    queueMicrotask(() => {
      if (!this.isConnected) this.close();
    });
  }

  /** The session behind the element, while it is in the document. */
  get session(): P2pSession | null {
    return this.#session;
  }
  /** Who this page is (the `peer-id` attribute). */
  get peerId(): string | null {
    return this.#session?.peerId ?? this.getAttribute("peer-id");
  }
  /** The current host's peer id, once one is elected. */
  get hostPeerId(): string | null {
    return this.#session?.hostPeerId ?? null;
  }
  /** Whether this page hosts the session. */
  get iamHost(): boolean {
    return this.#session?.iamHost ?? false;
  }
  /** The session's state, `null` before it started. */
  get state(): SessionState | null {
    return this.#session?.state ?? null;
  }
  /** The host's latest status map (peer id → state). */
  get peers(): PeerStates {
    return this.#session?.peers ?? {};
  }

  /**
   * Sends to every peer of the session (this one included). Rejects with `outbox_full` when the
   * page is not connected and `maxOutbox` messages already wait (see `P2pSession.send`).
   */
  send(data: SessionData): Promise<void> {
    return this.#session ? this.#session.send(data) : Promise.resolve();
  }

  /** Streams media: the host to every client, a client to the host. */
  addStream(stream: MediaStream): void {
    this.#session?.addStream(stream);
  }

  /** Leaves the session; the element stays in the page. */
  close(): void {
    this.#session?.close();
    this.#session = null;
  }

  #stateDetail(state: SessionState): StateDetail {
    return { state, peerId: this.peerId ?? "", hostPeerId: this.hostPeerId, iamHost: this.iamHost };
  }

  #readOptions(): P2pSessionOptions {
    const required = (name: string): string => {
      const value = this.getAttribute(name);
      if (!value) throw new P2pError(Reasons.invalidMessage, `<p2p-frame> needs a "${name}" attribute`);
      return value;
    };
    const options: P2pSessionOptions = {
      sessionId: required("session-id"),
      peerId: required("peer-id"),
      token: required("token"),
      ...parseFrameConfig(this.getAttribute("config")),
    };
    const cableUrl = this.getAttribute("cable-url");
    if (cableUrl) options.cableUrl = cableUrl;
    return options;
  }
}

/**
 * Reads the `config` attribute: `iceServers`, `iceTransportPolicy`, `iceExpiresAt`,
 * `iceRestart: { disconnectedMs, timeoutMs }`, `heartbeat: { intervalMs, idleTimeoutMs }`,
 * `keepCableConnection` (the gem's spellings `ice_servers`, `interval_mls`, `idle_timeout_mls` too), `spareLink`,
 * `maxOutbox`, `negotiationTimeoutMs`, `p2pTimeoutMs`, `cableConnectTimeoutMs`, `resumeDelayMs`,
 * `reconnect: { initialMs, maxMs }` and `p2pRetry: { initialMs, maxMs }`.
 * Numbers that are not positive are ignored (the default stays).
 */
export function parseFrameConfig(json: string | null): Partial<P2pSessionOptions> {
  if (!json) return {};
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new P2pError(Reasons.invalidMessage, `<p2p-frame> config is not JSON: ${json.slice(0, 80)}`, {
      cause: error,
    });
  }
  if (typeof raw !== "object" || raw === null)
    throw new P2pError(Reasons.invalidMessage, "<p2p-frame> config must be an object");
  const options: Partial<P2pSessionOptions> = {};
  const ice = raw.iceServers ?? raw.ice_servers;
  if (Array.isArray(ice)) options.iceServers = ice as RTCIceServer[];
  if (raw.iceTransportPolicy === "all" || raw.iceTransportPolicy === "relay")
    options.iceTransportPolicy = raw.iceTransportPolicy;
  const iceExpiresAt = positive(raw.iceExpiresAt);
  if (iceExpiresAt) options.iceExpiresAt = iceExpiresAt;
  const iceRestart = raw.iceRestart as Record<string, unknown> | undefined;
  if (iceRestart && typeof iceRestart === "object") {
    const disconnectedMs = positive(iceRestart.disconnectedMs);
    const timeoutMs = positive(iceRestart.timeoutMs);
    options.iceRestart = {};
    if (disconnectedMs) options.iceRestart.disconnectedMs = disconnectedMs;
    if (timeoutMs) options.iceRestart.timeoutMs = timeoutMs;
  }
  const keep = raw.keepCableConnection ?? raw.keep_cable_connection;
  if (typeof keep === "boolean") options.keepCableConnection = keep;
  if (typeof raw.spareLink === "boolean") options.spareLink = raw.spareLink;
  const heartbeat = raw.heartbeat as Record<string, unknown> | undefined;
  if (heartbeat && typeof heartbeat === "object") {
    const interval = Number(heartbeat.intervalMs ?? heartbeat.interval_mls);
    const idle = Number(heartbeat.idleTimeoutMs ?? heartbeat.idle_timeout_mls);
    options.heartbeat = {};
    if (interval > 0) options.heartbeat.intervalMs = interval;
    if (idle > 0) options.heartbeat.idleTimeoutMs = idle;
  }
  const maxOutbox = positive(raw.maxOutbox);
  if (maxOutbox) options.maxOutbox = Math.floor(maxOutbox);
  const negotiationTimeoutMs = positive(raw.negotiationTimeoutMs);
  if (negotiationTimeoutMs) options.negotiationTimeoutMs = negotiationTimeoutMs;
  const p2pTimeoutMs = positive(raw.p2pTimeoutMs);
  if (p2pTimeoutMs) options.p2pTimeoutMs = p2pTimeoutMs;
  const cableConnectTimeoutMs = positive(raw.cableConnectTimeoutMs);
  if (cableConnectTimeoutMs) options.cableConnectTimeoutMs = cableConnectTimeoutMs;
  const resumeDelayMs = positive(raw.resumeDelayMs);
  if (resumeDelayMs) options.resumeDelayMs = resumeDelayMs;
  for (const name of ["reconnect", "p2pRetry"] as const) {
    const backoff = raw[name] as Record<string, unknown> | undefined;
    if (!backoff || typeof backoff !== "object") continue;
    const initialMs = positive(backoff.initialMs);
    const maxMs = positive(backoff.maxMs);
    const parsed: Partial<BackoffOptions> = {};
    if (initialMs) parsed.initialMs = initialMs;
    if (maxMs) parsed.maxMs = maxMs;
    options[name] = parsed;
  }
  return options;
}

/** The number, when `value` is a positive finite one; otherwise `undefined`. */
function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}
