import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import type { FigureOutput, Verdict } from "../figures/verdict.js";
import { renderVerdicts } from "../figures/verdict.js";
import {
  mergeResults,
  parseResults,
  type ResultsSection,
  renderResults,
  writeAtomically,
} from "./results_file.js";
import { FIGURES, type Figure, type Settings } from "./settings.js";
import { renderMarkdown, type Table } from "./table.js";

/** The machine and moment a run measured, printed at the top of every report. */
export interface MachineInfo {
  date: string;
  node: string;
  /** "Chromium 156.0…", once the browser figures launched it. */
  chromium?: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-minute load average at the start and end: the machine is shared, this says how busy it was. */
  loadStart: number;
  loadEnd: number | undefined;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadStart: os.loadavg()[0]!,
    loadEnd: undefined,
  };
}

export function describeMachine(info: MachineInfo): string[] {
  const load = `${info.loadStart.toFixed(2)}${info.loadEnd === undefined ? "" : ` → ${info.loadEnd.toFixed(2)}`}`;
  return [
    `date: ${info.date}`,
    `machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB.toFixed(1)} GiB; ${info.os}`,
    `node: ${info.node}`,
    ...(info.chromium ? [`browser: ${info.chromium} (headless, through Playwright)`] : []),
    `load average (1 min) at start → end: ${load}`,
    ...(busy(info)
      ? [
          `WARNING: load average above the ${info.cores} cores: other processes competed for the CPU, ` +
            "throughput and latency figures measure that contention as much as the servers",
        ]
      : []),
  ];
}

function busy(info: MachineInfo): boolean {
  return Math.max(info.loadStart, info.loadEnd ?? 0) > info.cores;
}

/** A figure's section of RESULTS.md: its goal lines and tables. */
export function resultsSection(figure: string, output: FigureOutput): ResultsSection {
  return {
    figure,
    goals: renderVerdicts(output.verdicts),
    body: output.tables.map((table) => renderMarkdown(table).trimEnd()).join("\n\n"),
  };
}

/**
 * Whether a run may replace RESULTS.md whole: a full run (no option but `--write`) in which every
 * figure completed. Any other run merges the sections of the figures it completed.
 */
export function isCompleteRun(settings: Settings, completed: readonly Figure[]): boolean {
  return (
    settings.args.every((arg) => arg === "--write") &&
    !settings.quick &&
    FIGURES.every((figure) => completed.includes(figure))
  );
}

/**
 * Writes bench/RESULTS.md (atomically): a complete full run rewrites it; any other run puts its
 * figures' sections in place of theirs, each marked as a subset run with its date, machine and
 * command, and leaves the rest of the file as it was. Returns which of the two it did.
 */
export function writeResults(
  path: string,
  info: MachineInfo,
  settings: Settings,
  sections: ResultsSection[],
  complete: boolean,
): "rewrote" | "merged" {
  const existing = existsSync(path) ? parseResults(readFileSync(path, "utf8")) : undefined;
  const header = [
    "# Benchmark results",
    "",
    "Written by `bench/run.ts`; do not edit by hand. How to read it: `bench/README.md`.",
    "",
    ...runLines(info, settings),
  ];
  const load = `${info.loadStart.toFixed(2)} → ${(info.loadEnd ?? info.loadStart).toFixed(2)}`;
  const mergedNote =
    `Subset run, not the full run above: ${info.date}; ${info.cpu}, ${info.cores} cores, node ${info.node}; ` +
    `load average ${load}${busy(info) ? " (machine shared)" : ""}; \`${command(settings)}\`` +
    `${settings.quick ? " (quick mode)" : ""}. Only this section comes from it.`;
  const document = mergeResults(existing, { header, sections, complete, mergedNote }, FIGURES);
  writeAtomically(path, renderResults(document));
  return complete ? "rewrote" : "merged";
}

/** Rewrites one figure's own file in bench/results/ (atomically): the same machine and command lines, its goals and tables. */
export function writeFigureResults(
  path: string,
  title: string,
  info: MachineInfo,
  settings: Settings,
  output: { tables: Table[]; verdicts: Verdict[] },
): void {
  const text = [
    `# ${title}`,
    "",
    "Written by `bench/run.ts` each time the figure runs (`--write`); do not edit by hand. How to read it: `bench/README.md`.",
    "",
    ...runLines(info, settings),
    "",
    ...(output.verdicts.length > 0 ? ["```", ...renderVerdicts(output.verdicts), "```", ""] : []),
    ...output.tables.map(renderMarkdown),
    "",
  ].join("\n");
  writeAtomically(path, `${text.trimEnd()}\n`);
}

function command(settings: Settings): string {
  return `npm run bench${settings.args.length > 0 ? ` -- ${settings.args.join(" ")}` : ""}`;
}

function runLines(info: MachineInfo, settings: Settings): string[] {
  const mode = settings.quick
    ? "quick mode: short windows, few trials"
    : settings.figures.length < FIGURES.length
      ? "full trials, some figures"
      : "full run";
  return [
    ...describeMachine(info).map((line) => `- ${line}`),
    `- command: \`${command(settings)}\` (${mode}), inside netns-run, loopback only`,
  ];
}
