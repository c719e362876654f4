// Session data through the server (issue 15): members stream relay frames to their hosts over our
// SignalingChannel, with the server's default relay limits (what a user gets) and with them raised
// (the server's ceiling), beside the raw ws relay forwarding the same payloads.
import { type LoadProcess, type ServerProcess, startLoad, startServer } from "../lib/children.js";
import type { Settings } from "../lib/settings.js";
import { median, spread } from "../lib/stats.js";
import { count, fixed, ratio, type Table } from "../lib/table.js";
import type { RunContext } from "../lib/trials.js";
import type { SessionRelayResult } from "../load/commands.js";
import type { FigureOutput, Verdict } from "./verdict.js";

/** The raised-limit row should reach this share of the raw ws ceiling. */
const CEILING_GOAL = 0.9;

const ROWS = ["default", "raised", "raw_ws"] as const;
type Row = (typeof ROWS)[number];

const LABELS: Record<Row, string> = {
  default: "ours, default relay limits (relayDefaults: what a user gets)",
  raised: "ours, relay and socket limits raised (the server's ceiling)",
  raw_ws: "raw ws (the ceiling)",
};

interface Outcome {
  values: SessionRelayResult[];
  errors: string[];
}

/** Trials of the three rows interleaved, each a fresh server process and a fresh load generator. */
export async function sessionRelayFigure(
  context: RunContext,
  settings: Settings["sessionRelay"],
): Promise<FigureOutput> {
  const rows = ROWS.filter((row) => context.servers.includes(row === "raw_ws" ? "raw_ws" : "cable"));
  const results = new Map<Row, Outcome>(rows.map((row) => [row, { values: [], errors: [] }]));
  for (let trial = 1; trial <= settings.trials; trial++) {
    for (const row of rows) {
      const progress = (text: string) =>
        context.log(
          `[session_relay ${trial}/${settings.trials} ${row === "raw_ws" ? "raw ws" : `ours, ${row} limits`}] ${text}`,
        );
      let server: ServerProcess<"signaling" | "raw_ws"> | undefined;
      let load: LoadProcess | undefined;
      try {
        server =
          row === "raw_ws"
            ? await startServer(context.root, "raw_ws", context.profileDir)
            : await startServer(context.root, "signaling", context.profileDir, [`--limits=${row}`]);
        load = startLoad(context.root);
        const result = await load.run<SessionRelayResult>(
          {
            op: "session_relay",
            protocol: row === "raw_ws" ? "raw_ws" : "cable",
            port: server.port,
            controlPort: server.controlPort,
            sessions: settings.sessions,
            inFlight: settings.inFlight,
            dataChars: settings.dataChars,
            warmupMs: settings.warmupMs,
            windowMs: settings.windowMs,
          },
          progress,
        );
        results.get(row)!.values.push(result);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`FAILED: ${message}`);
        results.get(row)!.errors.push(message.split("\n")[0]!);
      } finally {
        await load?.stop();
        await server?.stop();
      }
    }
  }
  return { tables: [table(settings, results)], verdicts: [verdict(results)] };
}

function summarize(values: SessionRelayResult[]) {
  return {
    mib: spread(values.map((v) => v.mibPerSec)),
    frames: median(values.map((v) => v.framesPerSec)),
    p50: median(values.map((v) => v.p50Ms)),
    p99: median(values.map((v) => v.p99Ms)),
    cpu: median(values.map((v) => v.cpuUsPerFrame)),
    serverShare: median(values.map((v) => v.serverCpuShare)),
    loadShare: median(values.map((v) => v.loadCpuShare)),
    refused: values.reduce((sum, v) => sum + v.refused, 0),
  };
}

function table(settings: Settings["sessionRelay"], results: Map<Row, Outcome>): Table {
  const summaries = new Map([...results].map(([row, { values }]) => [row, summarize(values)]));
  const raw = summaries.get("raw_ws");
  const kib = (settings.dataChars / 1024).toFixed(0);
  return {
    title: `Session data relayed through the server, ${settings.sessions} sessions, one member → its host each, ${kib} KiB frames (${settings.windowMs / 1000} s window)`,
    headers: [
      "server",
      "MiB/s (median)",
      "MiB/s (p95)",
      "frames/s",
      "MiB/s per session",
      "p50 ms",
      "p99 ms",
      "server CPU µs/frame",
      "server CPU %",
      "loadgen CPU %",
      "MiB/s vs raw",
      "CPU vs raw",
    ],
    rows: [...summaries].map(([row, s]) => [
      LABELS[row],
      fixed(s.mib.median, 1),
      fixed(s.mib.p95, 1),
      count(s.frames),
      fixed(s.mib.median / settings.sessions, 2),
      fixed(s.p50, 2),
      fixed(s.p99, 2),
      fixed(s.cpu, 1),
      fixed(s.serverShare * 100, 0),
      fixed(s.loadShare * 100, 0),
      ratio(s.mib.median, raw?.mib.median),
      ratio(s.cpu, raw?.cpu),
    ]),
    notes: [
      `${settings.trials} trial(s) per row, interleaved; a fresh server process and load generator each; latency and CPU columns are medians over trials.`,
      `Each member streams to its host one way, at most ${settings.inFlight} frames unreceived (the next goes when the host has one); the \`data\` of every frame is a 12 KiB chunk in base64, ${settings.dataChars} characters, as the browser client cuts relayed data (\`relayDefaults.maxBytes\` exactly). MiB/s counts that \`data\` as the hosts received it; p50/p99: send → the host has it.`,
      `Ours: \`servers/signaling.ts\`, \`CableServer\` with \`createSignalingChannel\` on a \`MemorySessionStore\`; every peer subscribes with a signed session token and joins, then the member performs \`relay\` \`{to, join, seq, data}\` to the host its \`ready\` named, framed as \`@rails/actioncable\` frames it. The member paces itself as the browser client does (\`RelayPacer\`: 0.8 of the limits its \`ready\` announced). Default limits: 50 frames or 512 KiB a second per member and host (bursts 100, 1 MiB), so about 0.4 MiB/s per session by design; raised: relay limits 1e12 and the cable's per-socket rate 1,000,000 a second. Raw ws: \`{to, body: {seq, data}}\` out, \`{from, body}\` in, the same payloads.`,
      ...(summaries.size > 0 && [...summaries.values()].some((s) => s.refused > 0)
        ? [
            `Frames refused over the rate (\`relay_limited\`, each sent again 250 ms later): ${[...summaries].map(([row, s]) => `${row} ${s.refused}`).join(", ")}.`,
          ]
        : []),
      ...[...results]
        .filter(([, { errors }]) => errors.length > 0)
        .map(([row, { errors }]) => `${LABELS[row]}: ${errors.length} trial(s) failed: ${errors[0]}`),
    ],
  };
}

function verdict(results: Map<Row, Outcome>): Verdict {
  const goal = `session data relayed: raised-limit throughput ≥ ${CEILING_GOAL}x raw ws`;
  const values = (row: Row) => results.get(row)?.values ?? [];
  if (values("raised").length === 0 || values("raw_ws").length === 0)
    return { goal, met: undefined, detail: "not measured (ours or raw ws missing or failed)" };
  const ours = median(values("raised").map((v) => v.mibPerSec));
  const raw = median(values("raw_ws").map((v) => v.mibPerSec));
  const cpu = (row: Row) => median(values(row).map((v) => v.cpuUsPerFrame));
  return {
    goal,
    met: ours / raw >= CEILING_GOAL,
    detail: `${(ours / raw).toFixed(2)}x: ${ours.toFixed(1)} vs ${raw.toFixed(1)} MiB/s; server CPU per frame ${cpu("raised").toFixed(1)} vs ${cpu("raw_ws").toFixed(1)} µs`,
  };
}
