import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import type { Channel, ChannelClass } from "../cable/channel.js";
import type { CableServer } from "../cable/server.js";
import { verifyRoomToken } from "../identity/room_token.js";
import { verifySessionToken } from "../identity/session_token.js";
import { Reasons } from "../protocol/errors.js";

/** What `cableMetrics` returns: the registry it filled, and how to stop counting. */
export interface CableMetrics {
  readonly registry: Registry;
  /** The Prometheus text exposition of the registry (every metric in it, not only ours). */
  metrics(): Promise<string>;
  /** Stops observing the cable; the metrics stay registered with their last values. */
  stop(): void;
}

/** Names of the metrics `cableMetrics` registers, for dashboards and alerts. */
export const cableMetricNames = {
  connections: "p2p_connections",
  connectionsOpened: "p2p_connections_opened_total",
  disconnects: "p2p_disconnects_total",
  subscriptions: "p2p_subscriptions",
  sessions: "p2p_sessions",
  rooms: "p2p_rooms",
  messagesReceived: "p2p_messages_received_total",
  messagesSent: "p2p_messages_sent_total",
  bytesReceived: "p2p_received_bytes_total",
  bytesSent: "p2p_sent_bytes_total",
  rejects: "p2p_rejects_total",
  teardownErrors: "p2p_teardown_errors_total",
} as const;

// Channel labels come from clients for refused subscribes: anything the cable does not serve
// is folded into one label, so a client cannot grow the series without bound.
const UNKNOWN = "unknown";
const SESSION_CHANNEL = "SignalingChannel";
const ROOM_CHANNEL = "RoomChannel";

/**
 * Prometheus metrics of one cable, in `registry` (default a new one): open connections,
 * subscriptions by channel, sessions and rooms with a member on this process, frames and bytes in
 * and out, rejects by stage (`upgrade`, `connection`, `subscription`) and reason, and failed
 * teardown steps. Serve them with `metricsHandler`, or add them to a registry you already expose.
 *
 * @example
 * const metrics = cableMetrics(cable);
 * app.get("/metrics", metricsHandler(metrics.registry));
 */
export function cableMetrics(cable: CableServer, registry: Registry = new Registry()): CableMetrics {
  const registers = [registry];
  const known = new Set(cable.channelNames);
  const label = (channel: string | undefined) => (channel && known.has(channel) ? channel : UNKNOWN);

  new Gauge({
    name: cableMetricNames.connections,
    help: "Open cable sockets.",
    registers,
    collect() {
      this.set(cable.stats().connections);
    },
  });
  const disconnects = new Counter({
    name: cableMetricNames.disconnects,
    help: 'Closed cable sockets, by the reason the server gave ("client" when the client left).',
    labelNames: ["reason"],
    registers,
  });
  const subscriptions = new Gauge({
    name: cableMetricNames.subscriptions,
    help: "Confirmed subscriptions, by channel.",
    labelNames: ["channel"],
    registers,
  });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  const sessions = gauge(
    cableMetricNames.sessions,
    "Sessions with at least one member subscribed on this process.",
  );
  const rooms = gauge(cableMetricNames.rooms, "Rooms with at least one member subscribed on this process.");
  const opened = counter(cableMetricNames.connectionsOpened, "Cable sockets opened since start.");
  const received = counter(cableMetricNames.messagesReceived, "Text frames received from clients.");
  const sent = counter(cableMetricNames.messagesSent, "Frames sent to subscriptions (pings excluded).");
  const bytesIn = counter(cableMetricNames.bytesReceived, "Bytes of the frames received.");
  const bytesOut = counter(cableMetricNames.bytesSent, "Bytes of the frames sent to subscriptions.");
  const rejects = new Counter({
    name: cableMetricNames.rejects,
    help: "Refused upgrades, server-side disconnects for cause and refused subscriptions, by reason.",
    labelNames: ["stage", "reason", "channel"],
    registers,
  });
  const teardownErrors = new Counter({
    name: cableMetricNames.teardownErrors,
    help: "Failed steps of closing a connection (unsubscribed, stop_stream, abandoned), by step and channel.",
    labelNames: ["step", "channel"],
    registers,
  });
  for (const channel of known) subscriptions.set({ channel }, 0);

  const sessionCount = new Members(sessions);
  const roomCount = new Members(rooms);
  const stop = cable.observe({
    upgradeRefused: (reason) => rejects.inc({ stage: "upgrade", reason, channel: "" }),
    connectionOpened: () => opened.inc(),
    connectionClosed: (_connection, reason) => {
      disconnects.inc({ reason: reason ?? "client" });
      if (reason !== undefined && reason !== Reasons.serverRestart) {
        rejects.inc({ stage: "connection", reason, channel: "" });
      }
    },
    messageReceived: (_connection, bytes) => {
      received.inc();
      bytesIn.inc(bytes);
    },
    messageSent: (_connection, bytes) => {
      sent.inc();
      bytesOut.inc(bytes);
    },
    subscriptionConfirmed: (channel) => {
      const name = channelName(channel);
      subscriptions.inc({ channel: label(name) });
      if (name === SESSION_CHANNEL)
        sessionCount.add(channel, () => verifySessionToken(cable.signer, channel.params.token).sessionId);
      if (name === ROOM_CHANNEL)
        roomCount.add(channel, () => verifyRoomToken(cable.signer, channel.params.token).roomId);
    },
    subscriptionRejected: (_connection, channel, reason) =>
      rejects.inc({ stage: "subscription", reason, channel: label(channel) }),
    subscriptionClosed: (channel) => {
      subscriptions.dec({ channel: label(channelName(channel)) });
      sessionCount.remove(channel);
      roomCount.remove(channel);
    },
    teardownFailed: (_connection, { step, channel }) =>
      teardownErrors.inc({ step, channel: channel === undefined ? "" : label(channel) }),
  });
  return { registry, metrics: () => registry.metrics(), stop };
}

/**
 * A `node:http` handler (also fine for Express) answering with the registry's text exposition.
 *
 * @example
 * if (request.url === "/metrics") return metricsHandler(registry)(request, response);
 */
export function metricsHandler(
  registry: Registry,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (_request, response) => {
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
    );
  };
}

function channelName(channel: Channel): string {
  return (channel.constructor as ChannelClass).channelName;
}

/** Distinct keys (session or room ids) held by live subscriptions, mirrored into a gauge. */
class Members {
  readonly #gauge: Gauge;
  readonly #counts = new Map<string, number>();
  readonly #keys = new WeakMap<Channel, string>();

  constructor(gauge: Gauge) {
    this.#gauge = gauge;
  }

  add(channel: Channel, keyOf: () => string): void {
    let key: string;
    try {
      key = keyOf();
    } catch {
      return; // the token expired since the channel verified it: not worth a member
    }
    this.#keys.set(channel, key);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#gauge.set(this.#counts.size);
  }

  remove(channel: Channel): void {
    const key = this.#keys.get(channel);
    if (key === undefined) return;
    this.#keys.delete(channel);
    const left = (this.#counts.get(key) ?? 1) - 1;
    if (left > 0) this.#counts.set(key, left);
    else this.#counts.delete(key);
    this.#gauge.set(this.#counts.size);
  }
}
