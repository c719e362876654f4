// Prints where a server spent its CPU, from a `--cpu-prof` profile written by `npm run bench -- --profile`:
// self time per function (file:line) and per file, largest first.
//   node --import tsx bench/profile_summary.ts bench/profiles/cable-….cpuprofile [top=25]
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [path, topArg] = process.argv.slice(2);
if (!path) {
  process.stderr.write("usage: node --import tsx bench/profile_summary.ts FILE.cpuprofile [top]\n");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(path, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of profile.nodes) {
  const count = hits.get(node.id) ?? 0;
  if (count === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? shorten(url) : `(${functionName || "native"})`;
  const name = `${file}:${lineNumber + 1} ${functionName || "(anonymous)"}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + count);
  byFile.set(file, (byFile.get(file) ?? 0) + count);
}
print("self time by function", byFunction);
print("self time by file", byFile);

function shorten(url: string): string {
  const file = url.replace(/^file:\/\//, "");
  const local = relative(process.cwd(), file);
  return local.startsWith("..") ? file : local;
}

function print(title: string, table: Map<string, number>): void {
  process.stdout.write(`\n== ${title} (${total} samples)\n`);
  const rows = [...table].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, count] of rows)
    process.stdout.write(`${((count / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
}
