// Where a server process spent its CPU, from the `.cpuprofile` files `--cpu-prof` writes: self
// time per function, per file, and per part of the relay path (socket writes, ws framing, our
// frame parsing, …), so that bench/README.md can say where the time of one relayed message goes.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs between samples; the first is from `startTime`. */
  timeDeltas: number[];
}

/** Self time (µs) per function, per file and per part of the path, summed over one or more profiles. */
export interface ProfileSummary {
  /** Every sample's time, idle included. */
  totalUs: number;
  byFunction: Map<string, number>;
  byFile: Map<string, number>;
  byPart: Map<Part, number>;
}

/** The parts of a relay server's work, in the order the summary prints them. */
export const PARTS = [
  "socket writes (writev, Node streams)",
  "socket reads",
  "ws: frame parsing and framing",
  "cable: frame and data parsing (protocol.ts, ext_protocol.ts, action.ts)",
  "cable: connection, queue, subscriptions",
  "cable: broadcast (channel, JSON.stringify, pub/sub, history)",
  "other servers' own code (Socket.IO, PeerServer, raw ws)",
  "garbage collector",
  "other",
  "start-up (module loading)",
  "idle",
] as const;
export type Part = (typeof PARTS)[number];

/** Parts that are not the cost of relaying: left out of "per relayed message". */
export const NOT_RELAYING: readonly Part[] = ["start-up (module loading)", "idle"];

/** Which part of the path a function belongs to, by its file (and name, for native frames). */
export function partOf(url: string, functionName: string): Part {
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "garbage collector";
  if (functionName === "writev" || functionName === "writeUtf8String" || functionName === "writeBuffer")
    return "socket writes (writev, Node streams)";
  if (
    /node:internal\/modules|node_modules\/tsx|cjs-module-lexer|node:internal\/bootstrap/.test(url) ||
    ["compileSourceTextModule", "readFileUtf8", "internalModuleStat", "compileFunction"].includes(
      functionName,
    )
  )
    return "start-up (module loading)";
  if (/stream_base_commons|streams\/writable|^node:net$/.test(url)) {
    return functionName === "onStreamRead" ? "socket reads" : "socket writes (writev, Node streams)";
  }
  if (/streams\/readable/.test(url)) return "socket reads";
  if (/node_modules\/ws\//.test(url)) return "ws: frame parsing and framing";
  if (/src\/cable\/(protocol|ext_protocol|action)\.ts/.test(url))
    return "cable: frame and data parsing (protocol.ts, ext_protocol.ts, action.ts)";
  if (/src\/cable\/(server|channel|subscription)\.ts|src\/pubsub\/|bench\/servers\/relay_channel/.test(url))
    return "cable: broadcast (channel, JSON.stringify, pub/sub, history)";
  if (/src\/cable\//.test(url)) return "cable: connection, queue, subscriptions";
  if (/node_modules\/(socket\.io|engine\.io|peer)|bench\/servers\/(raw_ws|socketio|peerserver)/.test(url))
    return "other servers' own code (Socket.IO, PeerServer, raw ws)";
  return "other";
}

/** Sums the self time of `profiles` (several trials of one server) by function, file and part. */
export function summarizeProfiles(profiles: CpuProfile[], root = process.cwd()): ProfileSummary {
  const summary: ProfileSummary = { totalUs: 0, byFunction: new Map(), byFile: new Map(), byPart: new Map() };
  const add = <K>(map: Map<K, number>, key: K, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i]!);
      // A sample's time is the gap to the next one (the last one's is unknown: the mean, roughly).
      const us = profile.timeDeltas[i + 1] ?? 0;
      if (!node || us <= 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url ? shorten(url, root) : `(${functionName || "native"})`;
      summary.totalUs += us;
      add(summary.byFunction, `${file}:${lineNumber + 1} ${functionName || "(anonymous)"}`, us);
      add(summary.byFile, file, us);
      add(summary.byPart, partOf(url, functionName), us);
    }
  }
  return summary;
}

/** The main thread's profiles in `dir` (tsx's loader thread writes its own: not the server's work). */
export function readMainThreadProfiles(dir: string): CpuProfile[] {
  return readdirSync(dir)
    .filter((name) => /\.0\.\d+\.cpuprofile$/.test(name))
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as CpuProfile);
}

/**
 * The time of each part per relayed message: its share of the time spent relaying (start-up and
 * idle left out) times the server's measured CPU µs per message.
 */
export function perMessage(summary: ProfileSummary, cpuUsPerMessage: number): Map<Part, number> {
  const relaying = [...summary.byPart]
    .filter(([part]) => !NOT_RELAYING.includes(part))
    .reduce((sum, [, us]) => sum + us, 0);
  const out = new Map<Part, number>();
  for (const part of PARTS) {
    if (NOT_RELAYING.includes(part)) continue;
    const us = summary.byPart.get(part) ?? 0;
    if (us > 0) out.set(part, relaying > 0 ? (us / relaying) * cpuUsPerMessage : 0);
  }
  return out;
}

/** The largest entries of a map, as "12.3%  name" lines of its share of the busy (non-idle) time. */
export function topLines(table: Map<string, number>, summary: ProfileSummary, top: number): string[] {
  const busy = summary.totalUs - (summary.byPart.get("idle") ?? 0);
  return [...table]
    .filter(([name]) => name !== "idle" && !name.includes("(idle)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

function shorten(url: string, root: string): string {
  const file = url.replace(/^file:\/\//, "");
  const local = relative(root, file);
  return local.startsWith("..") ? file : local;
}
