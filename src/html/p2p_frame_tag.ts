import type { Signer } from "../cable/signer.js";
import { signSessionToken } from "../identity/session_token.js";
import { type IceOptions, iceConfiguration } from "../identity/turn_credentials.js";
import { attributes, html, type SafeHtml } from "./html.js";

/** The client configuration `<p2p-frame>` reads from its `config` attribute (client option names). */
export interface P2pFrameConfig {
  /** Default `[]`: peers on one host or LAN need none; STUN and TURN are the deployer's choice. */
  iceServers?: RTCIceServer[];
  /** `relay` uses TURN only. Default the browser's (`all`). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * Unix milliseconds at which the TURN credentials in `iceServers` expire: the client asks the
   * server for fresh ones before then. Set by `p2pFrameTag` from its `ice` option.
   */
  iceExpiresAt?: number;
  /** ICE restart of a link that lost its path. Default the client's (2 s of `disconnected`, 8 s to come back). */
  iceRestart?: { disconnectedMs?: number; timeoutMs?: number };
  /** Data channel heartbeat: a peer silent for `idleTimeoutMs` is dead. Default the client's. */
  heartbeat?: { intervalMs?: number; idleTimeoutMs?: number };
  /** Default `false`: a non-host closes its cable socket once connected to the host. */
  keepCableConnection?: boolean;
  /** Default `true`: the host keeps a link made ahead of the next member (one idle connection). */
  spareLink?: boolean;
  /** Messages `send` queues while not connected before rejecting with `outbox_full`. Default the client's (256). */
  maxOutbox?: number;
  /** A link to the host not open this long is abandoned (`negotiation_timeout`). Default the client's (10 s). */
  negotiationTimeoutMs?: number;
  /** On a server that relays: a link to the host not open this long makes the page `relayed`. Default the client's (10 s). */
  p2pTimeoutMs?: number;
  /** How often the host tries peer-to-peer again with a `relayed` page (jittered). Default the client's (5 s doubling up to 60 s). */
  p2pRetry?: { initialMs?: number; maxMs?: number };
  /** A fresh cable socket not subscribed this long is tried again. Default the client's (3 s). */
  cableConnectTimeoutMs?: number;
  /** A client back on the cable with its link open waits this long for the host to join first. Default the client's (5 s). */
  resumeDelayMs?: number;
  /** Delays between cable reconnects and `join` retries (full jitter). Default the client's (250 ms up to 10 s). */
  reconnect?: { initialMs?: number; maxMs?: number };
}

/** What `p2pFrameTag` renders: the session, who this page is, the client configuration and the token's lifetime. */
export interface P2pFrameOptions {
  sessionId: string;
  /** Who this page is: the app decides (a user id, a name); the token binds it. */
  peerId: string;
  config?: P2pFrameConfig;
  /** Token lifetime in seconds. Default 12 hours (`sessionTokenDefaults.expiresIn`). */
  expiresIn?: number;
  /** Where the client subscribes. Default `/cable`. */
  cableUrl?: string;
  /**
   * STUN/TURN of the deployment: the page gets the STUN URLs and TURN URLs with a credential
   * minted now for its peer id (never the secret), added to `config.iceServers`, the transport
   * policy, and the credential's expiry. The session channel given the same `ice` refreshes them.
   */
  ice?: IceOptions;
}

/**
 * Renders `<p2p-frame>` for one peer of a session: the signed token (so the server trusts who
 * this page is), the cable URL and the client configuration as JSON. Every attribute is escaped.
 *
 * @example
 * html`${p2pFrameTag(cable.signer, { sessionId: "standup", peerId: user.name, config: { keepCableConnection: true } },
 *   html`<div data-controller="chat">…</div>`)}`
 */
export function p2pFrameTag(signer: Signer, options: P2pFrameOptions, inner?: SafeHtml): SafeHtml {
  const { sessionId, peerId } = options;
  const token = signSessionToken(signer, { sessionId, peerId }, { expiresIn: options.expiresIn });
  const config = frameConfig(withIce(options.config ?? {}, options.ice, peerId));
  return html`<p2p-frame ${attributes({
    "session-id": sessionId,
    "peer-id": peerId,
    token,
    "cable-url": options.cableUrl ?? "/cable",
    config: JSON.stringify(config),
  })}>${inner}</p2p-frame>`;
}

/** The config with the page's own ICE configuration minted from `ice` added. */
function withIce(config: P2pFrameConfig, ice: IceOptions | undefined, peerId: string): P2pFrameConfig {
  if (!ice) return config;
  const minted = iceConfiguration(ice, peerId);
  const policy = config.iceTransportPolicy ?? (minted.iceTransportPolicy === "all" ? undefined : "relay");
  return {
    ...config,
    iceServers: [...(config.iceServers ?? []), ...minted.iceServers],
    // `all` is the browser's default: the config names the policy only when it is `relay`.
    ...(policy ? { iceTransportPolicy: policy } : {}),
    ...(minted.expiresAt === null ? {} : { iceExpiresAt: minted.expiresAt }),
  };
}

/** The config with its defaults filled in, keeping only the keys the client knows. */
function frameConfig(config: P2pFrameConfig): P2pFrameConfig {
  const result: P2pFrameConfig = {
    iceServers: config.iceServers ?? [],
    keepCableConnection: config.keepCableConnection ?? false,
  };
  if (config.spareLink !== undefined) {
    if (typeof config.spareLink !== "boolean")
      throw new TypeError(`spareLink must be true or false, got ${JSON.stringify(config.spareLink)}`);
    result.spareLink = config.spareLink;
  }
  if (config.iceTransportPolicy !== undefined) {
    if (config.iceTransportPolicy !== "all" && config.iceTransportPolicy !== "relay")
      throw new TypeError(`iceTransportPolicy must be "all" or "relay", got "${config.iceTransportPolicy}"`);
    result.iceTransportPolicy = config.iceTransportPolicy;
  }
  if (config.iceExpiresAt !== undefined) result.iceExpiresAt = positive("iceExpiresAt", config.iceExpiresAt);
  if (config.heartbeat) {
    const { intervalMs, idleTimeoutMs } = config.heartbeat;
    result.heartbeat = {
      ...(intervalMs === undefined ? {} : { intervalMs: positive("heartbeat.intervalMs", intervalMs) }),
      ...(idleTimeoutMs === undefined
        ? {}
        : { idleTimeoutMs: positive("heartbeat.idleTimeoutMs", idleTimeoutMs) }),
    };
  }
  for (const name of [
    "maxOutbox",
    "negotiationTimeoutMs",
    "p2pTimeoutMs",
    "cableConnectTimeoutMs",
    "resumeDelayMs",
  ] as const) {
    const value = config[name];
    if (value !== undefined) result[name] = positive(name, value);
  }
  if (config.iceRestart) {
    const { disconnectedMs, timeoutMs } = config.iceRestart;
    result.iceRestart = {
      ...(disconnectedMs === undefined
        ? {}
        : { disconnectedMs: positive("iceRestart.disconnectedMs", disconnectedMs) }),
      ...(timeoutMs === undefined ? {} : { timeoutMs: positive("iceRestart.timeoutMs", timeoutMs) }),
    };
  }
  for (const name of ["reconnect", "p2pRetry"] as const) {
    const backoff = config[name];
    if (!backoff) continue;
    const { initialMs, maxMs } = backoff;
    result[name] = {
      ...(initialMs === undefined ? {} : { initialMs: positive(`${name}.initialMs`, initialMs) }),
      ...(maxMs === undefined ? {} : { maxMs: positive(`${name}.maxMs`, maxMs) }),
    };
  }
  return result;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new TypeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/**
 * What `p2pFrameTag` puts in the frame, for a peer without a page (a Node peer, `p2p-streams-channel
 * join`): the signed token and the client configuration, with the same defaults, TURN credentials
 * and checks. An app's token route answers it as JSON, with the cable URL.
 *
 * @example
 * const { token, config } = p2pFrameTicket(cable.signer, { sessionId: "standup", peerId: "bot" });
 */
export function p2pFrameTicket(
  signer: Signer,
  options: Omit<P2pFrameOptions, "cableUrl">,
): { token: string; config: P2pFrameConfig } {
  const { sessionId, peerId } = options;
  const token = signSessionToken(signer, { sessionId, peerId }, { expiresIn: options.expiresIn });
  return { token, config: frameConfig(withIce(options.config ?? {}, options.ice, peerId)) };
}
