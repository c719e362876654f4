import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The servers under test, in table order: ours first (plain protocol, then the same server with
 * extended-protocol clients), the ceiling last.
 */
export const SERVER_KINDS = ["cable", "cable_ext", "peerserver", "socketio", "raw_ws"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

interface KindInfo {
  /** Row label in the tables. */
  label: string;
  /** npm packages the server and its load-generator client need. */
  packages: readonly string[];
  /** Whether it has a one-to-many primitive (PeerServer only relays to one `dst`). */
  fanout: boolean;
  /** The only figures it runs in, when not every signaling figure. */
  figures?: readonly string[];
}

export const KIND_INFO: Record<ServerKind, KindInfo> = {
  cable: { label: "our cable", packages: ["ws"], fanout: true },
  // The same server; its clients offer `actioncable-v1-ext-json`, so broadcasts carry stream_id,
  // epoch and offset (issue 13: the offset bookkeeping's cost per message, and per idle socket).
  cable_ext: {
    label: "our cable, ext protocol",
    packages: ["ws"],
    fanout: true,
    figures: ["relay", "memory"],
  },
  peerserver: { label: "PeerServer", packages: ["peer"], fanout: false },
  socketio: { label: "Socket.IO", packages: ["socket.io", "socket.io-client"], fanout: true },
  raw_ws: { label: "raw ws", packages: ["ws"], fanout: true },
};

/** Installed version of an npm package, or undefined when it is missing (hoisted layout, as npm installs). */
export function packageVersion(root: string, name: string): string | undefined {
  const manifest = join(root, "node_modules", name, "package.json");
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
}

/** Whether `kind` runs in `figure`. */
export function runsIn(kind: ServerKind, figure: string): boolean {
  return KIND_INFO[kind].figures?.includes(figure) ?? true;
}

/** The packages of `kind` that are not installed: a baseline with any missing is skipped, saying so. */
export function missingPackages(root: string, kind: ServerKind): string[] {
  return KIND_INFO[kind].packages.filter((name) => packageVersion(root, name) === undefined);
}

/** "PeerServer (peer 1.0.2)": the label with the versions measured. */
export function describeKind(root: string, kind: ServerKind): string {
  if (kind === "cable" || kind === "cable_ext") return KIND_INFO[kind].label;
  const name = KIND_INFO[kind].packages[0]!;
  const suffix = kind === "raw_ws" ? ", the ceiling" : "";
  return `${KIND_INFO[kind].label} (${name} ${packageVersion(root, name) ?? "missing"}${suffix})`;
}
