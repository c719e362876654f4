// `npm run bench -- --profile`: one summary of every server's CPU profiles of the run, written
// beside them (bench/profiles/<run>/summary.md) and printed: per part of the path, the share of the
// time spent relaying and, with the relay figure, the µs of it per relayed message.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describeKind, type ServerKind } from "../kinds.js";
import { type Part, perMessage, readMainThreadProfiles, summarizeProfiles, topLines } from "./cpu_profile.js";
import { writeAtomically } from "./results_file.js";
import { renderMarkdown } from "./table.js";

/**
 * Summarizes the profiles in `dir/<kind>/` of every kind and writes `dir/summary.md`. With
 * `cpuUsPerMessage` (the relay figure's, over all its windows), parts are also given per message.
 */
export function writeProfileSummary(
  root: string,
  dir: string,
  kinds: ServerKind[],
  cpuUsPerMessage: Partial<Record<ServerKind, number>>,
): { path: string; text: string } {
  const out = [
    "# CPU profiles of the servers",
    "",
    "Self time of each server process's main thread (`--cpu-prof`), every trial of every figure summed.",
    "Per relayed message: a part's share of the time spent relaying (start-up and idle left out) × the",
    "server's CPU µs per message measured by the relay figure over all its windows.",
    "",
  ];
  for (const kind of kinds) {
    const kindDir = join(dir, kind);
    if (!existsSync(kindDir)) continue;
    const profiles = readMainThreadProfiles(kindDir);
    if (profiles.length === 0) continue;
    const summary = summarizeProfiles(profiles, root);
    const cpu = cpuUsPerMessage[kind];
    const parts = perMessage(summary, cpu ?? 1);
    const relaying = [...parts.values()].reduce((sum, us) => sum + us, 0);
    out.push(
      renderMarkdown({
        title: `${describeKind(root, kind)}: ${profiles.length} profile(s), ${(summary.totalUs / 1e6).toFixed(1)} s sampled`,
        headers: ["part of the path", "share of relaying", ...(cpu ? ["µs per relayed message"] : [])],
        rows: [...parts].map(([part, us]: [Part, number]) => [
          part,
          `${((us / relaying) * 100).toFixed(1)}%`,
          ...(cpu ? [us.toFixed(1)] : []),
        ]),
        notes: cpu ? [`total: ${cpu.toFixed(1)} µs of server CPU per relayed message`] : [],
      }).trimEnd(),
      "",
      "Busiest functions (share of the busy time):",
      "",
      "```",
      ...topLines(summary.byFunction, summary, 15),
      "```",
      "",
    );
  }
  const text = `${out.join("\n").trimEnd()}\n`;
  const path = join(dir, "summary.md");
  writeAtomically(path, text);
  return { path, text };
}
