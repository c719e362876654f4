import { type Logger, silentLogger } from "../../protocol/logger.js";
import type { PeerLinkSettings } from "./peer_link.js";
import {
  type BackoffOptions,
  type Clock,
  type P2pSessionOptions,
  sessionDefaults,
  systemClock,
} from "./types.js";

/** `P2pSessionOptions` with every default filled in, as the parts of a session take them. */
export interface SessionSettings {
  keepCable: boolean;
  maxOutbox: number;
  negotiationTimeoutMs: number;
  /** With a server that relays: how long a link to the host may take before the peer is `relayed`. */
  p2pTimeoutMs: number;
  /** With a `relayed` client: the host's delays between attempts at peer-to-peer. */
  p2pRetry: BackoffOptions;
  /** Whether the host keeps a link made ahead of the next member. */
  spareLink: boolean;
  cableConnectTimeoutMs: number;
  resumeDelayMs: number;
  reconnect: BackoffOptions;
  random: (() => number) | undefined;
  clock: Clock;
  logger: Logger;
  /** What every `PeerLink` of the session shares. */
  link: PeerLinkSettings;
  /** Where `pagehide` / `pageshow` come from: the window in a browser, nothing in Node. */
  pageEvents: EventTarget | null;
  /** When the TURN credentials of `link.configuration` expire (unix ms), `null` if never. */
  iceExpiresAt: number | null;
}

/** Fills in the defaults of `sessionDefaults` (and the real clock, a silent logger, the window). */
export function sessionSettings(options: P2pSessionOptions): SessionSettings {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  return {
    keepCable: options.keepCableConnection ?? sessionDefaults.keepCableConnection,
    maxOutbox: options.maxOutbox ?? sessionDefaults.maxOutbox,
    negotiationTimeoutMs: options.negotiationTimeoutMs ?? sessionDefaults.negotiationTimeoutMs,
    p2pTimeoutMs: options.p2pTimeoutMs ?? sessionDefaults.p2pTimeoutMs,
    p2pRetry: { ...sessionDefaults.p2pRetry, ...options.p2pRetry },
    spareLink: options.spareLink ?? sessionDefaults.spareLink,
    cableConnectTimeoutMs: options.cableConnectTimeoutMs ?? sessionDefaults.cableConnectTimeoutMs,
    resumeDelayMs: options.resumeDelayMs ?? sessionDefaults.resumeDelayMs,
    reconnect: { ...sessionDefaults.reconnect, ...options.reconnect },
    random: options.random,
    clock,
    logger,
    link: {
      // One object for every link of the session: fresh credentials replace its `iceServers`.
      configuration: {
        iceServers: options.iceServers ?? sessionDefaults.iceServers,
        ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
      },
      iceRestart: { ...sessionDefaults.iceRestart, ...options.iceRestart },
      createPeerConnection: options.createPeerConnection,
      heartbeat: { ...sessionDefaults.heartbeat, ...options.heartbeat },
      clock,
      logger,
      chunkSize: options.chunkSize ?? sessionDefaults.chunkSize,
    },
    iceExpiresAt: options.iceExpiresAt ?? null,
    pageEvents:
      options.pageEvents !== undefined
        ? options.pageEvents
        : typeof globalThis.addEventListener === "function"
          ? globalThis
          : null,
  };
}
