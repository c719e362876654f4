import { SERVER_KINDS, type ServerKind } from "../kinds.js";

export const FIGURES = [
  "relay",
  "fanout",
  "memory",
  "accept",
  "session_relay",
  "pair",
  "star",
  "mesh",
  "room4",
  "first",
  "node_crash",
] as const;
export type Figure = (typeof FIGURES)[number];
/** The figures measured in Chromium (ours beside PeerJS), after the signaling-server ones. */
export const BROWSER_FIGURES: readonly Figure[] = ["pair", "star", "mesh", "room4", "first"];

/** Everything a run measures and how long, from the command line. Quick mode fits in about three minutes. */
export interface Settings {
  quick: boolean;
  /** Record the completed figures (default for full runs; quick runs only with --write): see `writeResults`. */
  write: boolean;
  /** Start each server with `--cpu-prof` into bench/profiles/<run>/, and summarize the profiles at the end. */
  profile: boolean;
  servers: ServerKind[];
  figures: Figure[];
  relay: { trials: number; pairs: number; inFlight: number[]; warmupMs: number; windowMs: number };
  fanout: { trials: number; subscribers: number; broadcasts: number };
  memory: { trials: number; counts: number[]; parallel: number };
  accept: { trials: number; connections: number; parallel: number };
  /**
   * Session data relayed through our server (issue 15): `sessions` host + member pairs on the
   * SignalingChannel, each member streaming `relay` frames of `dataChars` base64 characters to its
   * host with up to `inFlight` frames unreceived, beside raw ws forwarding the same payloads.
   */
  sessionRelay: {
    trials: number;
    sessions: number;
    inFlight: number;
    dataChars: number;
    warmupMs: number;
    windowMs: number;
  };
  /** Two pages: join → open channel, then `roundTrips` round trips and bulk of `bulkMessages` × 16 KiB. */
  pair: { trials: number; roundTrips: number; bulkMessages: number };
  /** 1 + N pages for each N of `sizes` (trials per size); ours also relays `relayMessages` and loses its host. */
  star: { sizes: number[]; trials: number[]; relayMessages: number };
  mesh: { trials: number; size: number };
  /**
   * `members` pages play each other's video; `settleMs` later one more page enters: its Enter → all
   * `members` remote videos playing (issue 18: the 4th of a room of 4, median of 10).
   * Also written to bench/results/room4.md.
   */
  room4: { trials: number; members: number; settleMs: number };
  /**
   * A member's first message: its join (and its page load) → the host has it; ours cable first,
   * ours `relay: false`, PeerJS (issue 15).
   */
  first: { trials: number };
  /**
   * Two demo processes sharing one redis-server, a host on node B and `clients` on node A: trials of
   * node B killed (with the host's page) interleaved with trials of the host's page closed alone.
   * A trial not recovered within `deadlineMs` is a failure. Written to bench/results/node_crash.md.
   */
  nodeCrash: { trials: number; clients: number; deadlineMs: number };
  /** The arguments as given, for the "command" line of RESULTS.md. */
  args: string[];
}

export const USAGE = `usage: npm run bench -- [options]
  --quick               short windows and fewer trials (about 2.5 min, plus 1.5 min each of
                        room4 and node_crash)
  --trials=N            trials per figure (default 5, memory 3, pair, star, room4, first and
                        node_crash 10; quick: pair, room4, first and node_crash 3, others 1)
  --window=MS           measured window of the relay and session_relay figures (default 10000,
                        quick 1500)
  --servers=a,b         subset of ${SERVER_KINDS.join(",")}
  --figures=a,b         subset of ${FIGURES.join(",")}
  --write / --no-write  record the figures that completed (default: full runs write, quick runs
                        do not). A complete full run rewrites bench/RESULTS.md; any other run
                        (--figures=, --servers=, --quick, --trials=, …) replaces only its figures'
                        sections, each marked as a subset run; room4 and node_crash also go to
                        bench/results/<figure>.md. A run stopped part-way (Ctrl-C, SIGTERM)
                        writes nothing.
  --profile             --cpu-prof every server process into bench/profiles/<run>/<kind>/ and
                        write bench/profiles/<run>/summary.md (also printed): where each server's
                        CPU time goes, per relayed message with the relay figure
  --help`;

/** Parses argv; throws a TypeError quoting the first bad argument. */
export function parseSettings(args: string[]): Settings | "help" {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new TypeError(`unexpected argument "${arg}"\n${USAGE}`);
    flags.set(match[1]!, match[2] ?? "");
  }
  const known = new Set([
    "quick",
    "trials",
    "window",
    "servers",
    "figures",
    "write",
    "no-write",
    "profile",
    "help",
  ]);
  for (const name of flags.keys())
    if (!known.has(name)) throw new TypeError(`unknown option "--${name}"\n${USAGE}`);
  if (flags.has("help")) return "help";
  const quick = flags.has("quick");
  const trials = flags.has("trials") ? positive("trials", flags.get("trials")!) : undefined;
  return {
    quick,
    write: flags.has("write") || (!quick && !flags.has("no-write")),
    profile: flags.has("profile"),
    servers: subset("servers", flags.get("servers"), SERVER_KINDS),
    figures: subset("figures", flags.get("figures"), FIGURES),
    relay: {
      trials: trials ?? (quick ? 1 : 5),
      pairs: 200,
      inFlight: [1, 8],
      warmupMs: quick ? 500 : 1000,
      windowMs: flags.has("window") ? positive("window", flags.get("window")!) : quick ? 1500 : 10_000,
    },
    fanout: { trials: trials ?? (quick ? 1 : 5), subscribers: 1000, broadcasts: quick ? 50 : 200 },
    memory: { trials: trials ?? (quick ? 1 : 3), counts: [1000, 5000], parallel: 100 },
    accept: { trials: trials ?? (quick ? 1 : 5), connections: quick ? 1000 : 2000, parallel: 100 },
    sessionRelay: {
      trials: trials ?? (quick ? 1 : 5),
      sessions: 10,
      inFlight: 4,
      // A 12 KiB chunk in base64, as the client cuts relayed data: relayDefaults.maxBytes exactly.
      dataChars: 16 * 1024,
      warmupMs: quick ? 1000 : 2000,
      windowMs: flags.has("window") ? positive("window", flags.get("window")!) : quick ? 1500 : 10_000,
    },
    pair: {
      trials: trials ?? (quick ? 3 : 10),
      roundTrips: quick ? 50 : 200,
      bulkMessages: quick ? 128 : 512,
    },
    star: {
      // Quick: the 1 + 5 star once; 1 + 15 (16 pages, 20 s a trial here) only in full runs.
      sizes: quick ? [5] : [5, 15],
      trials: trials ? [trials, trials] : quick ? [1] : [10, 10],
      relayMessages: quick ? 200 : 1000,
    },
    mesh: { trials: trials ?? (quick ? 1 : 5), size: 6 },
    room4: { trials: trials ?? (quick ? 3 : 10), members: 3, settleMs: 1000 },
    first: { trials: trials ?? (quick ? 3 : 10) },
    nodeCrash: { trials: trials ?? (quick ? 3 : 10), clients: 3, deadlineMs: 60_000 },
    args,
  };
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new TypeError(`--${name} needs a positive integer, got "${text}"`);
  return value;
}

function subset<T extends string>(name: string, text: string | undefined, all: readonly T[]): T[] {
  if (text === undefined || text === "") return [...all];
  const chosen = text.split(",");
  for (const item of chosen) {
    if (!all.includes(item as T))
      throw new TypeError(`--${name}: unknown "${item}", expected some of ${all.join(",")}`);
  }
  return all.filter((item) => chosen.includes(item));
}
