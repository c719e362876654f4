import type { ServerKind } from "../kinds.js";
import { describeKind } from "../kinds.js";
import type { Settings } from "../lib/settings.js";
import { median, spread } from "../lib/stats.js";
import { count, fixed, ratio, type Table } from "../lib/table.js";
import { eachTrial, failureNotes, type RunContext, type TrialResults } from "../lib/trials.js";
import type { RelayResult } from "../load/commands.js";
import { compareGoal, type FigureOutput, type Verdict } from "./verdict.js";

/** The extended protocol's offset bookkeeping may cost this much more server CPU per message (issue 13). */
const EXT_CPU_GOAL = 1.1;

/** The relay figure's tables and goals, and each server's CPU µs per message over every window (for --profile). */
export interface RelayOutput extends FigureOutput {
  cpuUsPerMessage: Partial<Record<ServerKind, number>>;
}

/** Messages/s, latency and server CPU per message of a closed-loop relay between 200 pairs. */
export async function relayFigure(context: RunContext, settings: Settings["relay"]): Promise<RelayOutput> {
  const results = await eachTrial(
    context,
    "relay",
    settings.trials,
    context.servers,
    (server, load, progress) =>
      load.run<RelayResult[]>(
        {
          op: "relay",
          kind: server.kind,
          port: server.port,
          controlPort: server.controlPort,
          pairs: settings.pairs,
          inFlight: settings.inFlight,
          warmupMs: settings.warmupMs,
          windowMs: settings.windowMs,
        },
        progress,
      ),
  );
  const tables: Table[] = [];
  const verdicts: Verdict[] = [];
  for (const inFlight of settings.inFlight) {
    const summary = new Map<ServerKind, ReturnType<typeof summarize>>();
    for (const kind of context.servers) {
      const trials = results.get(kind)!.values.map((r) => r.find((x) => x.inFlight === inFlight)!);
      summary.set(kind, summarize(trials));
    }
    const raw = summary.get("raw_ws");
    tables.push({
      title: `Relay, ${settings.pairs} pairs, W=${inFlight} in flight per pair (closed loop, ${settings.windowMs / 1000} s window)`,
      headers: [
        "server",
        "msg/s (median)",
        "msg/s (p95)",
        "p50 ms",
        "p99 ms",
        "server CPU µs/msg",
        "server CPU %",
        "loadgen CPU %",
        "msg/s vs raw",
        "CPU vs raw",
      ],
      rows: context.servers.map((kind) => {
        const s = summary.get(kind)!;
        return [
          describeKind(context.root, kind),
          count(s.rate.median),
          count(s.rate.p95),
          fixed(s.p50, 2),
          fixed(s.p99, 2),
          fixed(s.cpu, 1),
          fixed(s.serverShare * 100, 0),
          fixed(s.loadShare * 100, 0),
          ratio(s.rate.median, raw?.rate.median),
          ratio(s.cpu, raw?.cpu),
        ];
      }),
      notes: [
        `${summary.get(context.servers[0]!)?.rate.trials ?? 0} trial(s) per server; latency and CPU columns are medians over trials.`,
        ...(summary.has("cable_ext")
          ? [
              `our cable, ext protocol: the same server, clients on \`actioncable-v1-ext-json\` (every broadcast carries stream_id, epoch and offset; the history, 100 per stream, is kept for both rows). Server CPU per message ${ratio(summary.get("cable_ext")!.cpu, summary.get("cable")?.cpu)} the plain protocol's (goal ≤ ${EXT_CPU_GOAL}x).`,
            ]
          : []),
        ...failureNotes(results),
      ],
    });
    const medians = Object.fromEntries(context.servers.map((kind) => [kind, summary.get(kind)!.rate.median]));
    verdicts.push(
      ...compareGoal(
        `relay throughput W=${inFlight}`,
        medians,
        { higherIsBetter: true, ratioToRaw: 0.9 },
        "msg/s",
      ),
    );
    if (context.servers.includes("cable_ext"))
      verdicts.push(extVerdict(inFlight, summary.get("cable")?.cpu, summary.get("cable_ext")?.cpu));
  }
  return { tables, verdicts, cpuUsPerMessage: cpuOverWindows(context.servers, results) };
}

/** Ext clients' server CPU per message against plain clients' (same server, same run). */
function extVerdict(inFlight: number, plain: number | undefined, ext: number | undefined): Verdict {
  const goal = `extended protocol W=${inFlight}: server CPU per message ≤ ${EXT_CPU_GOAL}x the plain protocol's`;
  if (plain === undefined || ext === undefined || Number.isNaN(plain) || Number.isNaN(ext))
    return { goal, met: undefined, detail: "not measured (cable or cable_ext missing or failed)" };
  const r = ext / plain;
  return {
    goal,
    met: r <= EXT_CPU_GOAL,
    detail: `${r.toFixed(2)}x: ${ext.toFixed(1)} vs ${plain.toFixed(1)} µs/msg`,
  };
}

/** Server CPU µs per message over every measured window of every trial: total CPU / total messages. */
function cpuOverWindows(
  kinds: ServerKind[],
  results: TrialResults<RelayResult[]>,
): Partial<Record<ServerKind, number>> {
  const out: Partial<Record<ServerKind, number>> = {};
  for (const kind of kinds) {
    const windows = results.get(kind)?.values.flat() ?? [];
    const messages = windows.reduce((sum, w) => sum + w.delivered, 0);
    if (messages > 0) out[kind] = windows.reduce((sum, w) => sum + w.cpuUsPerMsg * w.delivered, 0) / messages;
  }
  return out;
}

function summarize(trials: RelayResult[]) {
  return {
    rate: spread(trials.map((t) => t.msgsPerSec)),
    p50: median(trials.map((t) => t.p50Ms)),
    p99: median(trials.map((t) => t.p99Ms)),
    cpu: median(trials.map((t) => t.cpuUsPerMsg)),
    serverShare: median(trials.map((t) => t.serverCpuShare)),
    loadShare: median(trials.map((t) => t.loadCpuShare)),
  };
}
