import type { Logger } from "../../protocol/logger.js";
import type { CableConsumer } from "../cable_consumer.js";

/**
 * Where one peer (or the whole session, from this page's point of view) stands:
 * `negotiating` (joined the cable, waiting for or exchanging SDP), `connecting` (ICE running),
 * `connected` (data channel open; the host is `connected` once elected), `relayed` (no data
 * channel: peer-to-peer failed or did not open within `p2pTimeoutMs`, so session data goes through
 * the server until it does), `disconnected` (the link died: channel closed or heartbeat silent),
 * `closed` (closed on purpose), `failed` (gave up).
 */
export type SessionState =
  | "negotiating"
  | "connecting"
  | "connected"
  | "relayed"
  | "disconnected"
  | "closed"
  | "failed";

/** The host's status map: every member's state, by peer id (the host itself included). */
export type PeerStates = Record<string, SessionState>;

/** What `send` accepts: text, binary, or any JSON value. */
export type SessionData = string | ArrayBuffer | ArrayBufferView | Blob | JsonValue;

/** Anything `JSON.stringify` round-trips: what `send` accepts besides strings and binary data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * One message delivered to the app, as the gem's `p2pReceivedMessage` gets it: `Data` for what a
 * peer sent with `send`, `Data.Connection.State` for the host's status map.
 */
export interface SessionMessage {
  type: typeof MessageTypes.data | typeof MessageTypes.connectionState;
  /** Who sent it: stamped by the host from the link it arrived on, never taken from the sender. */
  senderId: string;
  data: unknown;
}

/** The `type` of a `SessionMessage`: `Data` (sent by a peer) or `Data.Connection.State` (the host's status map). */
export const MessageTypes = {
  data: "Data",
  connectionState: "Data.Connection.State",
} as const;

/** Heartbeat over the data channel: a peer silent for `idleTimeoutMs` is dead, noticed within `intervalMs` more. */
export interface HeartbeatOptions {
  intervalMs: number;
  idleTimeoutMs: number;
}

/**
 * Retry delays of the cable and of `join`: exponential with full jitter. Attempt `n` (from 0) waits a
 * random time below `min(maxMs, initialMs * 2^n)`; a `ready` for this peer starts over.
 */
export interface BackoffOptions {
  /** Ceiling of the first delay. */
  initialMs: number;
  /** Largest ceiling, however many attempts failed. */
  maxMs: number;
}

/**
 * ICE restart of a link whose ICE went `failed`, or stayed `disconnected` for `disconnectedMs`:
 * the host (the offering side) restarts ICE through the cable with fresh TURN credentials, the
 * client comes back on the cable to answer. A link not connected again within `timeoutMs` of the
 * interruption is dead (the client then joins again); meanwhile the heartbeat's silence waits.
 */
export interface IceRestartOptions {
  disconnectedMs: number;
  timeoutMs: number;
}

/** Timers, injectable so tests drive time by hand. */
export interface Clock {
  /** Milliseconds, as `Date.now()`. */
  now(): number;
  /** Runs `callback` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a `setTimeout`. */
  clearTimeout(handle: unknown): void;
  /** Runs `callback` every `ms`; returns a handle for `clearInterval`. */
  setInterval(callback: () => void, ms: number): unknown;
  /** Cancels a `setInterval`. */
  clearInterval(handle: unknown): void;
}

/** The real clock (`Date.now` and the global timers): the default `Clock`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** One options type for `P2pSession`; every network primitive is injectable and defaults to the real one. */
export interface P2pSessionOptions {
  sessionId: string;
  peerId: string;
  /** The signed token the page was rendered with (binds session and peer on the server). */
  token: string;
  /** Cable URL; default: `<meta name="action-cable-url">`, else `/cable`. */
  cableUrl?: string;
  /** Default `[]`: STUN and TURN are the deployer's choice. */
  iceServers?: RTCIceServer[];
  /** `relay` connects through TURN only. Default the browser's (`all`). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * Unix milliseconds at which the TURN credentials in `iceServers` expire (`p2pFrameTag` sets it).
   * Halfway there, a page on the cable asks for fresh ones (`ice_servers`); a page off the cable
   * gets fresh ones with its next `join`. Default: the credentials do not expire.
   */
  iceExpiresAt?: number;
  /** ICE restart of a link that lost its path. Default 2 s of `disconnected`, 8 s to come back. */
  iceRestart?: Partial<IceRestartOptions>;
  heartbeat?: Partial<HeartbeatOptions>;
  /**
   * Default `false`: a client closes its cable socket once connected to the host. A `relayed`
   * client keeps it whatever this says: its session data goes through it.
   */
  keepCableConnection?: boolean;
  /**
   * Default 10 s: on a server that relays session data (its `ready` says so), a client whose data
   * channel to the host has not opened this long after its `ready` is `relayed`: its data goes
   * through the server, and moves to the data channel if that opens later. Before then, messages go
   * through the server too, so the first one arrives at once. (Without relaying,
   * `negotiationTimeoutMs` applies.)
   */
  p2pTimeoutMs?: number;
  /**
   * How often the host tries peer-to-peer again with a `relayed` client: a fresh peer connection
   * (fresh TURN credentials) after a delay from `initialMs` doubling up to `maxMs`, the second half
   * of each jittered.
   * An attempt not open within `p2pTimeoutMs` gives way to the next. Default 5 s doubling up to 60 s.
   */
  p2pRetry?: Partial<BackoffOptions>;
  /**
   * Default `true`: the host keeps one link made ahead of the next member, its offer made and its
   * ICE candidates gathered, so a member's `ready` is answered with an offer at once instead of
   * after the host builds a connection. The cost is one idle `RTCPeerConnection` on the host (with
   * TURN servers, one allocation). Replaced when the host's streams or TURN credentials change.
   */
  spareLink?: boolean;
  /**
   * Default: `createExtendedConsumer` (AnyCable's extended protocol, plain when the server does not
   * offer it). Called again whenever the subscription is lost for good, not on a restored blip.
   */
  createConsumer?: (url?: string) => CableConsumer;
  /** Default `new RTCPeerConnection(configuration)`. */
  createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
  clock?: Clock;
  logger?: Logger;
  /** Bytes per data channel frame. Default 16 KiB, the size every browser accepts. */
  chunkSize?: number;
  /** Messages `send` queues while not connected; one more rejects with `outbox_full`. Default 256. */
  maxOutbox?: number;
  /**
   * Default 10 s: a client whose link to the host has not opened this long after the `ready` naming
   * it abandons the link (`negotiation_timeout`) and joins again; the host forgets such a link.
   */
  negotiationTimeoutMs?: number;
  /** Default 3 s: a fresh cable socket not subscribed this long is dropped and tried again. */
  cableConnectTimeoutMs?: number;
  /**
   * Default 5 s: a client back on the cable whose data channel to the host stayed open waits this
   * long for a `ready` naming its host before joining with `resume` (after a server restart the
   * first `join` hosts, and the host, alive, joins again by itself).
   */
  resumeDelayMs?: number;
  /** Delays between cable reconnects and `join` retries. Default 250 ms doubling up to 10 s, with full jitter. */
  reconnect?: Partial<BackoffOptions>;
  /** Default `Math.random`: the jitter of `reconnect` (a seam for tests). */
  random?: () => number;
  /**
   * Where `pagehide` and `pageshow` come from. Default `globalThis` (the window); `null` listens to
   * none. A page leaving for good closes the session; one going into the back/forward cache leaves
   * and comes back when shown again.
   */
  pageEvents?: EventTarget | null;
}

/**
 * Defaults of `P2pSessionOptions`: no ICE servers, ICE restarted after 2 s of `disconnected` and
 * given 8 s to come back, a 1 s heartbeat with a 4 s idle timeout, cable
 * dropped once connected, 256 queued messages at most, 10 s to open a link (or to be `relayed`), peer-to-peer tried again from 5 s
 * doubling up to 60 s while relayed, a spare link on the host, 3 s to connect the
 * cable, 5 s to wait for the host before a resuming join, retries from 250 ms doubling up to 10 s.
 */
export const sessionDefaults = {
  iceServers: [] as RTCIceServer[],
  iceRestart: { disconnectedMs: 2000, timeoutMs: 8000 } satisfies IceRestartOptions,
  heartbeat: { intervalMs: 1000, idleTimeoutMs: 4000 } satisfies HeartbeatOptions,
  keepCableConnection: false,
  chunkSize: 16 * 1024,
  maxOutbox: 256,
  negotiationTimeoutMs: 10_000,
  p2pTimeoutMs: 10_000,
  p2pRetry: { initialMs: 5000, maxMs: 60_000 } satisfies BackoffOptions,
  spareLink: true,
  cableConnectTimeoutMs: 3000,
  resumeDelayMs: 5000,
  reconnect: { initialMs: 250, maxMs: 10_000 } satisfies BackoffOptions,
} as const;
