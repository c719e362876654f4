import { describeKind, type ServerKind } from "../kinds.js";
import type { Settings } from "../lib/settings.js";
import { median } from "../lib/stats.js";
import { fixed, ratio, type Table } from "../lib/table.js";
import { eachTrial, failureNotes, type RunContext } from "../lib/trials.js";
import type { IdleResult } from "../load/commands.js";
import { compareGoal, type FigureOutput } from "./verdict.js";

interface MemoryTrial {
  /** Connections → RSS and heap after GC, bytes; 0 is the fresh server. */
  rss: Map<number, number>;
  heap: Map<number, number>;
}

const KIB = 1024;
const MIB = 1024 * 1024;

/**
 * Server memory per idle connection: RSS (after two full GCs) of a fresh server, then with
 * 1,000 and 5,000 idle ready clients; per connection = (RSS_n − RSS_0) / n.
 */
export async function memoryFigure(context: RunContext, settings: Settings["memory"]): Promise<FigureOutput> {
  const results = await eachTrial(
    context,
    "memory",
    settings.trials,
    context.servers,
    async (server, load, progress) => {
      const trial: MemoryTrial = { rss: new Map(), heap: new Map() };
      const record = async (connections: number) => {
        const stats = await server.stats(true);
        trial.rss.set(connections, stats.rss);
        trial.heap.set(connections, stats.heapUsed);
        progress(`${connections} idle: RSS ${(stats.rss / MIB).toFixed(1)} MiB`);
      };
      await record(0);
      for (const total of settings.counts) {
        const target = { kind: server.kind, port: server.port, controlPort: server.controlPort };
        await load.run<IdleResult>({ op: "idle", ...target, total, parallel: settings.parallel }, progress);
        await record(total);
      }
      await load.run<IdleResult>({ op: "release" }, progress);
      return trial;
    },
  );

  const largest = settings.counts[settings.counts.length - 1]!;
  const trialsOf = (kind: ServerKind) => results.get(kind)?.values ?? [];
  const perConnection = (kind: ServerKind, n: number, of: "rss" | "heap") =>
    median(trialsOf(kind).map((t) => (t[of].get(n)! - t[of].get(0)!) / n / KIB));
  const rssAt = (kind: ServerKind, n: number) => median(trialsOf(kind).map((t) => t.rss.get(n)! / MIB));
  const headers = [
    "server",
    "RSS idle server MiB",
    ...settings.counts.map((n) => `RSS @${n} MiB`),
    ...settings.counts.map((n) => `KiB/conn @${n}`),
    `heap KiB/conn @${largest}`,
    `KiB/conn vs raw`,
  ];
  const table: Table = {
    title: `Memory per idle connection (RSS after GC; cable clients subscribed to one channel each)`,
    headers,
    rows: context.servers.map((kind) => [
      describeKind(context.root, kind),
      fixed(rssAt(kind, 0), 1),
      ...settings.counts.map((n) => fixed(rssAt(kind, n), 1)),
      ...settings.counts.map((n) => fixed(perConnection(kind, n, "rss"), 2)),
      fixed(perConnection(kind, largest, "heap"), 2),
      ratio(perConnection(kind, largest, "rss"), perConnection("raw_ws", largest, "rss")),
    ]),
    notes: [
      `${settings.trials} trial(s) per server, medians; per connection = (RSS_n − RSS_0) / n. Lower is better.`,
      ...(context.servers.includes("cable_ext") && context.servers.includes("cable")
        ? [
            `our cable, ext protocol: the same server, idle clients on \`actioncable-v1-ext-json\` (each socket carries a session with its sid): ${ratio(perConnection("cable_ext", largest, "rss"), perConnection("cable", largest, "rss"))} the plain protocol's RSS per connection, ${ratio(perConnection("cable_ext", largest, "heap"), perConnection("cable", largest, "heap"))} its heap.`,
          ]
        : []),
      ...failureNotes(results),
    ],
  };
  const medians = Object.fromEntries(
    context.servers.map((kind) => [kind, perConnection(kind, largest, "rss")]),
  );
  return {
    tables: [table],
    verdicts: compareGoal(
      `memory per idle connection @${largest}`,
      medians,
      { higherIsBetter: false, ratioToRaw: 1.2 },
      "KiB/conn",
    ),
  };
}
