import { describeKind } from "../kinds.js";
import type { Settings } from "../lib/settings.js";
import { median, spread } from "../lib/stats.js";
import { count, fixed, ratio, type Table } from "../lib/table.js";
import { eachTrial, failureNotes, type RunContext } from "../lib/trials.js";
import type { AcceptResult } from "../load/commands.js";
import type { FigureOutput } from "./verdict.js";

/** Connections accepted per second with 100 handshakes in flight. */
export async function acceptFigure(context: RunContext, settings: Settings["accept"]): Promise<FigureOutput> {
  const results = await eachTrial(
    context,
    "accept",
    settings.trials,
    context.servers,
    (server, load, progress) =>
      load.run<AcceptResult>(
        {
          op: "accept",
          kind: server.kind,
          port: server.port,
          controlPort: server.controlPort,
          connections: settings.connections,
          parallel: settings.parallel,
        },
        progress,
      ),
  );
  const summary = new Map(
    context.servers.map((kind) => {
      const trials = results.get(kind)!.values;
      return [
        kind,
        { rate: spread(trials.map((t) => t.perSec)), cpu: median(trials.map((t) => t.cpuUsPerConnection)) },
      ];
    }),
  );
  const raw = summary.get("raw_ws");
  const table: Table = {
    title: `Accept rate: ${settings.connections} connections, ${settings.parallel} handshakes in flight`,
    headers: ["server", "accepted/s (median)", "accepted/s (p95)", "server CPU µs/conn", "vs raw"],
    rows: context.servers.map((kind) => {
      const s = summary.get(kind)!;
      return [
        describeKind(context.root, kind),
        count(s.rate.median),
        count(s.rate.p95),
        fixed(s.cpu, 0),
        ratio(s.rate.median, raw?.rate.median),
      ];
    }),
    notes: [
      `${settings.trials} trial(s). Accepted = cable \`welcome\`, PeerServer \`OPEN\`, Socket.IO \`connect\`, ws \`open\`.`,
      ...failureNotes(results),
    ],
  };
  return { tables: [table], verdicts: [] };
}
