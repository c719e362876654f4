import { writeFileSync } from "node:fs";
import os from "node:os";
import type { Verdict } from "../figures/verdict.js";
import { renderVerdicts } from "../figures/verdict.js";
import type { Settings } from "./settings.js";
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

/** Rewrites bench/RESULTS.md with the run's machine, command, every table and the goal checks. */
export function writeResults(
  path: string,
  info: MachineInfo,
  settings: Settings,
  tables: Table[],
  verdicts: Verdict[],
): void {
  const text = [
    "# Benchmark results",
    "",
    "Written by `bench/run.ts`; do not edit by hand. How to read it: `bench/README.md`.",
    "",
    ...runLines(info, settings),
    "",
    "## Goals",
    "",
    "```",
    ...renderVerdicts(verdicts),
    "```",
    "",
    "## Figures",
    "",
    ...tables.map(renderMarkdown),
    "",
  ].join("\n");
  writeFileSync(path, `${text.trimEnd()}\n`);
}

/** Rewrites one figure's own file in bench/results/: the same machine and command lines, its goals and tables. */
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
  writeFileSync(path, `${text.trimEnd()}\n`);
}

function runLines(info: MachineInfo, settings: Settings): string[] {
  const command = `npm run bench${settings.args.length > 0 ? ` -- ${settings.args.join(" ")}` : ""}`;
  return [
    ...describeMachine(info).map((line) => `- ${line}`),
    `- command: \`${command}\` (${settings.quick ? "quick mode: short windows, few trials" : "full run"}), inside netns-run, loopback only`,
  ];
}
