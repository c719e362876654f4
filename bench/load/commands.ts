import type { ServerKind } from "../kinds.js";
import type { ServerStats } from "../servers/control.js";

/** Where the load generator finds the server under test and its stats endpoint. */
export interface Target {
  kind: ServerKind;
  port: number;
  controlPort: number;
}

/** Closed loop: `pairs` pairs, W tokens bouncing inside each pair, for each W in `inFlight`. */
export interface RelayCommand extends Target {
  op: "relay";
  pairs: number;
  inFlight: number[];
  warmupMs: number;
  windowMs: number;
}

/** `subscribers` clients on one stream; one sender sends `broadcasts` messages back to back. */
export interface FanoutCommand extends Target {
  op: "fanout";
  subscribers: number;
  broadcasts: number;
}

/** Brings the number of idle, ready clients up to `total` (memory figure). */
export interface IdleCommand extends Target {
  op: "idle";
  total: number;
  parallel: number;
}

/** `connections` connections, `parallel` handshakes in flight, until each is accepted; then closes them. */
export interface AcceptCommand extends Target {
  op: "accept";
  connections: number;
  parallel: number;
}

/**
 * `sessions` host + member pairs on our SignalingChannel (`protocol: "cable"`) or the raw ws relay;
 * each member streams frames of `dataChars` characters to its host, `inFlight` unreceived at most.
 */
export interface SessionRelayCommand {
  op: "session_relay";
  protocol: "cable" | "raw_ws";
  port: number;
  controlPort: number;
  sessions: number;
  inFlight: number;
  dataChars: number;
  warmupMs: number;
  windowMs: number;
}

export type LoadCommand = RelayCommand | FanoutCommand | IdleCommand | AcceptCommand | SessionRelayCommand;

export interface RelayResult {
  inFlight: number;
  delivered: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server process CPU time over the window / messages delivered in it. */
  cpuUsPerMsg: number;
  /** Server CPU time / wall time over the window: near 1 means the server was the bottleneck. */
  serverCpuShare: number;
  /** The same for the load generator. */
  loadCpuShare: number;
}

export interface SessionRelayResult {
  /** Frames received by the hosts in the window. */
  frames: number;
  framesPerSec: number;
  /** Relayed `data` characters (bytes) per second, MiB. */
  mibPerSec: number;
  /** Send → the host has it. */
  p50Ms: number;
  p99Ms: number;
  /** Server process CPU time over the window / frames received in it. */
  cpuUsPerFrame: number;
  serverCpuShare: number;
  loadCpuShare: number;
  /** Frames the server refused over its rate in the window (each sent again). */
  refused: number;
}

export interface FanoutResult {
  delivered: number;
  seconds: number;
  deliveredPerSec: number;
  /** Time from a broadcast's send to its arrival at the last subscriber. */
  completeP50Ms: number;
  completeP99Ms: number;
  cpuUsPerMsg: number;
}

export interface AcceptResult {
  connections: number;
  perSec: number;
  cpuUsPerConnection: number;
}

export interface IdleResult {
  connected: number;
}

/** Messages from the load generator to the orchestrator. */
export type LoadReply =
  | { type: "progress"; text: string }
  | {
      type: "done";
      result: RelayResult[] | FanoutResult | AcceptResult | IdleResult | SessionRelayResult;
    }
  | { type: "failed"; error: string };

/** Reads the server's stats endpoint (CPU time, and RSS after GC when `gc`). */
export async function fetchStats(controlPort: number, gc = false): Promise<ServerStats> {
  const response = await fetch(`http://127.0.0.1:${controlPort}/stats${gc ? "?gc=1" : ""}`);
  if (!response.ok) throw new Error(`stats endpoint answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ServerStats;
}
