// Prints where a server spent its CPU, from a `--cpu-prof` profile written by `npm run bench -- --profile`:
// self time per part of the relay path, per function (file:line) and per file, largest first.
//   node --import tsx bench/profile_summary.ts bench/profiles/cable-….cpuprofile [top=25]
import { readFileSync } from "node:fs";
import { type CpuProfile, PARTS, summarizeProfiles, topLines } from "./lib/cpu_profile.js";

const [path, topArg] = process.argv.slice(2);
if (!path) {
  process.stderr.write("usage: node --import tsx bench/profile_summary.ts FILE.cpuprofile [top]\n");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const summary = summarizeProfiles([JSON.parse(readFileSync(path, "utf8")) as CpuProfile]);
const parts = new Map(PARTS.map((part) => [part as string, summary.byPart.get(part) ?? 0]));
for (const [title, table] of [
  ["self time by part of the path", parts],
  ["self time by function", summary.byFunction],
  ["self time by file", summary.byFile],
] as const) {
  process.stdout.write(
    `\n== ${title} (share of the busy time: ${(summary.totalUs / 1000).toFixed(0)} ms, idle left out)\n`,
  );
  for (const line of topLines(table, summary, top)) process.stdout.write(`${line}\n`);
}
