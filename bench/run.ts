// Entry point of `npm run bench`: signaling-server benchmarks, our cable beside PeerServer,
// Socket.IO and a raw `ws` relay, each server in its own process and every client in one load
// generator process. See bench/README.md. Runs itself inside ../shared/tools/netns-run.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserRig, startRig } from "./browser/rig.js";
import { acceptFigure } from "./figures/accept.js";
import { meshFigure, pairFigure, roomFigure, starFigure, warmUp } from "./figures/browser.js";
import { fanoutFigure } from "./figures/fanout.js";
import { firstMessageFigure } from "./figures/first_message.js";
import { memoryFigure } from "./figures/memory.js";
import { nodeCrashFigure } from "./figures/node_crash.js";
import { relayFigure } from "./figures/relay.js";
import { sessionRelayFigure } from "./figures/session_relay.js";
import { type FigureOutput, renderVerdicts, type Verdict } from "./figures/verdict.js";
import { describeKind, KIND_INFO, missingPackages, runsIn, type ServerKind } from "./kinds.js";
import { writeProfileSummary } from "./lib/profile_report.js";
import {
  describeMachine,
  isCompleteRun,
  type MachineInfo,
  machineInfo,
  resultsSection,
  writeFigureResults,
  writeResults,
} from "./lib/report.js";
import { BROWSER_FIGURES, type Figure, parseSettings, type Settings, USAGE } from "./lib/settings.js";
import { renderText } from "./lib/table.js";
import type { RunContext } from "./lib/trials.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
/** Progress lines start with the seconds since the run began, so slow steps show. */
const log = (line: string) =>
  process.stdout.write(
    line.startsWith("[")
      ? `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s ${line}\n`
      : `${line}\n`,
  );

function enterNetns(): void {
  if (process.env.NETNS_RUN_INSIDE) return;
  const netnsRun = join(root, "..", "shared", "tools", "netns-run");
  if (!existsSync(netnsRun)) {
    log(
      `note: ${netnsRun} not found: running without a private network namespace (every socket is still on 127.0.0.1)`,
    );
    return;
  }
  const script = fileURLToPath(import.meta.url);
  const child = spawn(netnsRun, [process.execPath, ...process.execArgv, script, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  // The run inside decides what a stop means (it writes nothing): pass a stop on, wait for its exit.
  for (const signal of STOP_SIGNALS) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  throw new ReenteredInNetns();
}

class ReenteredInNetns extends Error {}

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** The signal that stopped the run part-way: then nothing is written. */
let interrupted: NodeJS.Signals | undefined;
let stopRig: (() => Promise<void>) | undefined;

/**
 * Ctrl-C or SIGTERM part-way: the figures in progress would come out partial (their child
 * processes die with the same signal), so the run writes nothing, says so, closes Chromium, exits.
 */
function stopOnSignals(): void {
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = signal;
      log(
        `\ninterrupted by ${signal}: nothing written (bench/RESULTS.md and bench/results/*.md left as they were)`,
      );
      const closing = stopRig?.() ?? Promise.resolve();
      const timer = setTimeout(() => process.exit(130), 5000);
      closing.finally(() => {
        clearTimeout(timer);
        process.exit(130);
      });
    });
  }
}

/** Each process holds one socket per client: the largest crowd must fit under the descriptor limit. */
function checkDescriptorLimit(settings: Settings): void {
  const needed = Math.max(...settings.memory.counts, settings.accept.connections) + 500;
  const result = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" });
  const limit =
    result.stdout.trim() === "unlimited" ? Number.POSITIVE_INFINITY : Number(result.stdout.trim());
  if (Number.isFinite(limit) && limit < needed) {
    throw new Error(
      `open-file limit is ${limit}, the memory figure needs about ${needed} per process: run \`ulimit -n ${needed}\` first`,
    );
  }
}

type BrowserFigure = "pair" | "star" | "mesh" | "room4" | "first";
/** Figures with their own set-up (not the rig's). */
type OwnFigure = "node_crash";

/**
 * Figures also written to their own file in bench/results/ each time they complete in a run with
 * `--write` (besides their section of RESULTS.md).
 */
const OWN_RESULTS: Partial<Record<Figure, { path: string; title: string }>> = {
  room4: { path: "bench/results/room4.md", title: "The 4th member of a room of 4" },
  node_crash: { path: "bench/results/node_crash.md", title: "Session recovery after a node crash" },
};

/** The relay figure's server CPU µs per message, for the profile summary's "per relayed message". */
let relayCpu: Partial<Record<ServerKind, number>> = {};

const SERVER_FIGURES: Record<
  Exclude<Figure, BrowserFigure | OwnFigure>,
  (context: RunContext, settings: Settings) => Promise<FigureOutput>
> = {
  relay: async (context, settings) => {
    const output = await relayFigure(context, settings.relay);
    relayCpu = output.cpuUsPerMessage;
    return output;
  },
  fanout: (context, settings) => fanoutFigure(context, settings.fanout),
  memory: (context, settings) => memoryFigure(context, settings.memory),
  accept: (context, settings) => acceptFigure(context, settings.accept),
  session_relay: (context, settings) => sessionRelayFigure(context, settings.sessionRelay),
};

const BROWSER: Record<BrowserFigure, (rig: BrowserRig, settings: Settings) => Promise<FigureOutput>> = {
  pair: (rig, settings) => pairFigure(rig, settings.pair),
  star: (rig, settings) => starFigure(rig, settings.star),
  mesh: (rig, settings) => meshFigure(rig, settings.mesh),
  room4: (rig, settings) => roomFigure(rig, settings.room4),
  first: (rig, settings) => firstMessageFigure(rig, settings.first),
};

/** The room pages run the demo bundle: rebuild it (esbuild only, a second) when its browser sources are newer. */
function freshDemoBundle(): void {
  const bundle = join(root, "dist/browser/demo.js");
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  const browserSources = ["src/protocol", "src/client", "src/stimulus", "src/demo/client"];
  const sources = Math.max(...browserSources.map((dir) => newest(join(root, dir))));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  log("dist/browser is missing or older than the client sources: bundling it (node scripts/bundle.mjs)");
  const result = spawnSync(process.execPath, ["scripts/bundle.mjs"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error("node scripts/bundle.mjs failed: run `npm run build` and retry");
}

async function main(): Promise<void> {
  const parsed = parseSettings(process.argv.slice(2));
  if (parsed === "help") {
    log(USAGE);
    return;
  }
  const settings = parsed;
  enterNetns();
  stopOnSignals();
  checkDescriptorLimit(settings);
  const servers = settings.servers.filter((kind) => {
    const missing = missingPackages(root, kind);
    if (missing.length === 0) return true;
    log(
      `baseline ${KIND_INFO[kind].label} skipped: npm package(s) ${missing.map((m) => `"${m}"`).join(", ")} not installed ` +
        `(npm install --save-dev ${missing.join(" ")})`,
    );
    return false;
  });
  const info = machineInfo();
  for (const line of describeMachine(info)) log(line);
  log(`servers: ${servers.map((kind) => describeKind(root, kind)).join("; ")}`);
  log(`figures: ${settings.figures.join(", ")}${settings.quick ? " (quick)" : ""}`);
  const context: RunContext = {
    root,
    servers,
    // One folder per run, so that the summary is this run's and earlier profiles stay.
    profileDir: settings.profile
      ? join(root, "bench", "profiles", info.date.replace(/[:.]/g, "-"))
      : undefined,
    log,
  };
  const verdicts: Verdict[] = [];
  /** The figures that ran to their end, in run order: only these are written. */
  const completed = new Map<Figure, FigureOutput>();
  let rig: BrowserRig | string | undefined;
  try {
    for (const figure of settings.figures) {
      if (interrupted) break;
      let output: FigureOutput;
      if (figure in BROWSER) {
        if (rig === undefined) {
          rig = await startBrowser(settings, info);
          const started = rig;
          if (typeof started === "object") stopRig = () => started.close();
        }
        if (typeof rig === "string") continue;
        output = await BROWSER[figure as BrowserFigure](rig, settings);
      } else if (figure === "node_crash") {
        // The chat pages load the demo bundle; the run's Chromium when the rig has one open.
        freshDemoBundle();
        const crash = await nodeCrashFigure(
          settings.nodeCrash,
          log,
          typeof rig === "object" ? rig.browser : undefined,
        );
        info.chromium ??= crash.chromium;
        output = crash;
      } else {
        const kinds = servers.filter((kind) => runsIn(kind, figure));
        output = await SERVER_FIGURES[figure as Exclude<Figure, BrowserFigure | OwnFigure>](
          { ...context, servers: kinds },
          settings,
        );
      }
      if (interrupted) break;
      completed.set(figure, output);
      for (const table of output.tables) log(`\n${renderText(table)}\n`);
      verdicts.push(...output.verdicts);
    }
  } finally {
    if (typeof rig === "object") await rig.close();
  }
  if (typeof rig === "string")
    verdicts.push({
      goal: "no slower than PeerJS to connect",
      met: undefined,
      detail: "browser figures skipped",
    });
  if (interrupted) return;
  info.loadEnd = os.loadavg()[0]!;
  log("== Goals");
  for (const line of renderVerdicts(verdicts)) log(line);
  if (context.profileDir) {
    const summary = writeProfileSummary(root, context.profileDir, servers, relayCpu);
    log(`\n${summary.text}\nwrote ${summary.path}`);
  }
  if (!settings.write) {
    log("\n(quick run: bench/RESULTS.md left as it was; pass --write to merge its figures into it)");
    return;
  }
  writeCompleted(settings, info, completed);
}

/**
 * Writes what the run completed: each completed figure with a file of its own to that file, and
 * RESULTS.md, rewritten by a complete full run, else with the completed figures merged in.
 */
function writeCompleted(settings: Settings, info: MachineInfo, completed: Map<Figure, FigureOutput>): void {
  if (interrupted) return;
  const skipped = settings.figures.filter((figure) => !completed.has(figure));
  if (skipped.length > 0) log(`\nnot written (skipped or incomplete): ${skipped.join(", ")}`);
  for (const [figure, output] of completed) {
    const file = OWN_RESULTS[figure];
    if (!file || output.tables.every((table) => table.rows.length === 0)) continue;
    const path = join(root, file.path);
    writeFigureResults(path, file.title, info, settings, output);
    log(`\nwrote ${path}`);
  }
  if (completed.size === 0) {
    log("\n(bench/RESULTS.md left as it was: no figure completed)");
    return;
  }
  const path = join(root, "bench", "RESULTS.md");
  const sections = [...completed].map(([figure, output]) => resultsSection(figure, output));
  const how = writeResults(path, info, settings, sections, isCompleteRun(settings, [...completed.keys()]));
  log(
    how === "rewrote"
      ? `\nwrote ${path} (complete full run)`
      : `\nmerged ${[...completed.keys()].join(", ")} into ${path}, marked as a subset run; its other sections left as they were`,
  );
}

/** Chromium, the demo app and a PeerServer for the browser figures; or why they are skipped. */
async function startBrowser(settings: Settings, info: MachineInfo): Promise<BrowserRig | string> {
  const figures = settings.figures.filter((f) => BROWSER_FIGURES.includes(f));
  if (figures.includes("mesh") || figures.includes("room4")) freshDemoBundle();
  const rig = await startRig(root, log);
  if (typeof rig === "string") {
    log(`\nbrowser figures (${figures.join(", ")}) skipped:\n${rig}`);
    return rig;
  }
  info.chromium = rig.chromium;
  log(`\nbrowser: ${rig.chromium}; clients: ${rig.libraries.map((l) => rig.label(l)).join("; ")}`);
  await warmUp(rig);
  return rig;
}

main().catch((error: unknown) => {
  if (error instanceof ReenteredInNetns) return;
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
