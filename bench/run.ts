// Entry point of `npm run bench`: signaling-server benchmarks, our cable beside PeerServer,
// Socket.IO and a raw `ws` relay, each server in its own process and every client in one load
// generator process. See bench/README.md. Runs itself inside ../shared/tools/netns-run.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { acceptFigure } from "./figures/accept.js";
import { fanoutFigure } from "./figures/fanout.js";
import { memoryFigure } from "./figures/memory.js";
import { relayFigure } from "./figures/relay.js";
import { type FigureOutput, renderVerdicts, type Verdict } from "./figures/verdict.js";
import { describeKind, KIND_INFO, missingPackages } from "./kinds.js";
import { describeMachine, machineInfo, writeResults } from "./lib/report.js";
import { type Figure, parseSettings, type Settings, USAGE } from "./lib/settings.js";
import { renderText, type Table } from "./lib/table.js";
import type { RunContext } from "./lib/trials.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => process.stdout.write(`${line}\n`);

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
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  throw new ReenteredInNetns();
}

class ReenteredInNetns extends Error {}

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

const FIGURES: Record<Figure, (context: RunContext, settings: Settings) => Promise<FigureOutput>> = {
  relay: (context, settings) => relayFigure(context, settings.relay),
  fanout: (context, settings) => fanoutFigure(context, settings.fanout),
  memory: (context, settings) => memoryFigure(context, settings.memory),
  accept: (context, settings) => acceptFigure(context, settings.accept),
};

async function main(): Promise<void> {
  const parsed = parseSettings(process.argv.slice(2));
  if (parsed === "help") {
    log(USAGE);
    return;
  }
  const settings = parsed;
  enterNetns();
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
    profileDir: settings.profile ? join(root, "bench", "profiles") : undefined,
    log,
  };
  const tables: Table[] = [];
  const verdicts: Verdict[] = [];
  for (const figure of settings.figures) {
    const output = await FIGURES[figure](context, settings);
    for (const table of output.tables) log(`\n${renderText(table)}\n`);
    tables.push(...output.tables);
    verdicts.push(...output.verdicts);
  }
  info.loadEnd = os.loadavg()[0]!;
  log("== Goals");
  for (const line of renderVerdicts(verdicts)) log(line);
  if (settings.write) {
    const path = join(root, "bench", "RESULTS.md");
    writeResults(path, info, settings, tables, verdicts);
    log(`\nwrote ${path}`);
  } else {
    log("\n(quick run: bench/RESULTS.md left as it was; pass --write to rewrite it)");
  }
}

main().catch((error: unknown) => {
  if (error instanceof ReenteredInNetns) return;
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
