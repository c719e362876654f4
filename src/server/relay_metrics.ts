import { Counter, Registry } from "prom-client";
import type { RelayObserver } from "../channels/relay_budget.js";

/** Names of the metrics `relayMetrics` registers. */
export const relayMetricNames = {
  relayed: "p2p_relayed_messages_total",
  relayedBytes: "p2p_relayed_bytes_total",
  refused: "p2p_relay_refused_total",
} as const;

/** What `relayMetrics` returns: the observer to give `createSignalingChannel({ relay: { observer } })`, and its registry. */
export interface RelayMetrics extends RelayObserver {
  readonly registry: Registry;
}

/**
 * Prometheus counters of session data relayed through the server (`relay`): frames and bytes
 * relayed, and frames refused by reason (`relay_limited`, `relay_too_large`, `relay_disabled`).
 * Use the same registry as `cableMetrics` to serve both at `/metrics`.
 *
 * @example
 * const registry = new Registry();
 * const relay = relayMetrics(registry);
 * const cable = new CableServer({ channels: [createSignalingChannel({ store, relay: { observer: relay } })] });
 * cableMetrics(cable, registry);
 */
export function relayMetrics(registry: Registry = new Registry()): RelayMetrics {
  const registers = [registry];
  const relayed = new Counter({
    name: relayMetricNames.relayed,
    help: "Frames of session data relayed between a host and a member.",
    registers,
  });
  const bytes = new Counter({
    name: relayMetricNames.relayedBytes,
    help: "Characters of relayed session data (base64 frames).",
    registers,
  });
  const refused = new Counter({
    name: relayMetricNames.refused,
    help: "Frames of session data refused, by reason.",
    labelNames: ["reason"],
    registers,
  });
  return {
    registry,
    relayed: (length) => {
      relayed.inc();
      bytes.inc(length);
    },
    refused: (reason) => refused.inc({ reason }),
  };
}
