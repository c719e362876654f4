import { describeKind, KIND_INFO } from "../kinds.js";
import type { Settings } from "../lib/settings.js";
import { median, spread } from "../lib/stats.js";
import { count, fixed, ratio, type Table } from "../lib/table.js";
import { eachTrial, failureNotes, type RunContext } from "../lib/trials.js";
import type { FanoutResult } from "../load/commands.js";
import type { FigureOutput } from "./verdict.js";

/** Broadcast to 1,000 subscribers of one stream: deliveries per second until every one has every message. */
export async function fanoutFigure(context: RunContext, settings: Settings["fanout"]): Promise<FigureOutput> {
  const kinds = context.servers.filter((kind) => KIND_INFO[kind].fanout);
  const results = await eachTrial(context, "fanout", settings.trials, kinds, (server, load, progress) =>
    load.run<FanoutResult>(
      {
        op: "fanout",
        kind: server.kind,
        port: server.port,
        controlPort: server.controlPort,
        subscribers: settings.subscribers,
        broadcasts: settings.broadcasts,
      },
      progress,
    ),
  );
  const summary = new Map(
    kinds.map((kind) => {
      const trials = results.get(kind)!.values;
      return [
        kind,
        {
          rate: spread(trials.map((t) => t.deliveredPerSec)),
          seconds: median(trials.map((t) => t.seconds)),
          p50: median(trials.map((t) => t.completeP50Ms)),
          p99: median(trials.map((t) => t.completeP99Ms)),
          cpu: median(trials.map((t) => t.cpuUsPerMsg)),
        },
      ];
    }),
  );
  const raw = summary.get("raw_ws");
  const skipped = context.servers.filter((kind) => !KIND_INFO[kind].fanout);
  const table: Table = {
    title: `Fan-out: ${settings.broadcasts} broadcasts back to back to ${settings.subscribers} subscribers of one stream`,
    headers: [
      "server",
      "delivered/s (median)",
      "delivered/s (p95)",
      "total s",
      "complete p50 ms",
      "complete p99 ms",
      "server CPU µs/msg",
      "vs raw",
    ],
    rows: kinds.map((kind) => {
      const s = summary.get(kind)!;
      return [
        describeKind(context.root, kind),
        count(s.rate.median),
        count(s.rate.p95),
        fixed(s.seconds, 2),
        fixed(s.p50, 1),
        fixed(s.p99, 1),
        fixed(s.cpu, 2),
        ratio(s.rate.median, raw?.rate.median),
      ];
    }),
    notes: [
      `${settings.trials} trial(s); "complete" = from a broadcast's send to its arrival at the last subscriber.`,
      ...skipped.map(
        (kind) =>
          `${KIND_INFO[kind].label}: not measured, its protocol relays to one \`dst\` only (no broadcast).`,
      ),
      ...failureNotes(results),
    ],
  };
  return { tables: [table], verdicts: [] };
}
