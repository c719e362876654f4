import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The servers under test, in table order: ours first, the ceiling last. */
export const SERVER_KINDS = ["cable", "peerserver", "socketio", "raw_ws"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

interface KindInfo {
  /** Row label in the tables. */
  label: string;
  /** npm packages the server and its load-generator client need. */
  packages: readonly string[];
  /** Whether it has a one-to-many primitive (PeerServer only relays to one `dst`). */
  fanout: boolean;
}

export const KIND_INFO: Record<ServerKind, KindInfo> = {
  cable: { label: "our cable", packages: ["ws"], fanout: true },
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

/** The packages of `kind` that are not installed: a baseline with any missing is skipped, saying so. */
export function missingPackages(root: string, kind: ServerKind): string[] {
  return KIND_INFO[kind].packages.filter((name) => packageVersion(root, name) === undefined);
}

/** "PeerServer (peer 1.0.2)": the label with the versions measured. */
export function describeKind(root: string, kind: ServerKind): string {
  if (kind === "cable") return KIND_INFO.cable.label;
  const name = KIND_INFO[kind].packages[0]!;
  const suffix = kind === "raw_ws" ? ", the ceiling" : "";
  return `${KIND_INFO[kind].label} (${name} ${packageVersion(root, name) ?? "missing"}${suffix})`;
}
