// bench/RESULTS.md as sections, one per figure, so that a run of some figures replaces only theirs.
// Pure text in, text out (plus one atomic write): unit-tested in test/unit/bench_results.test.ts.
import { renameSync, unlinkSync, writeFileSync } from "node:fs";

/** One figure's part of RESULTS.md: its goal lines and its tables (Markdown, kept verbatim). */
export interface ResultsSection {
  figure: string;
  /** Set when the section comes from a run that was not a complete full run: when, where, which command. */
  merged?: string;
  /** Goal lines as `renderVerdicts` prints them. */
  goals: string[];
  /** The figure's tables, Markdown. */
  body: string;
}

/** RESULTS.md: the header of the last complete full run, then the figures' sections. */
export interface ResultsDocument {
  /** Title, preamble and run lines of the last complete full run. */
  header: string[];
  sections: ResultsSection[];
}

const MARKER = /^<!-- figure: ([a-z0-9_]+) -->$/;
const FIGURES_HEADING = "## Figures";
const GOALS_HEADING = "## Goals";

/**
 * Table titles and goal texts of RESULTS.md files written before it had sections, and the figure
 * each belongs to: read once, when the first subset run merges into such a file.
 */
const LEGACY: readonly (readonly [prefix: string, figure: string])[] = [
  ["Relay,", "relay"],
  ["relay throughput", "relay"],
  ["Fan-out", "fanout"],
  ["Memory per idle", "memory"],
  ["memory per idle", "memory"],
  ["Accept rate", "accept"],
  ["Browser: join → open data channel", "pair"],
  ["Browser: data channel", "pair"],
  ["no slower than PeerJS to connect, pair", "pair"],
  ["Browser: join → all connected, star", "star"],
  ["Session (ours): relay through the host", "star"],
  ["Session (ours): recovery after the host leaves", "star"],
  ["no slower than PeerJS to connect, star", "star"],
  ["Browser: join → all connected, mesh", "mesh"],
  ["no slower than PeerJS to connect, mesh", "mesh"],
  ["Browser: the 4th member", "room4"],
  ["Session (ours): recovery after a node crash", "node_crash"],
  ["a session survives a node crash", "node_crash"],
];

function legacyFigure(text: string): string {
  return LEGACY.find(([prefix]) => text.startsWith(prefix))?.[1] ?? "other";
}

/** Reads RESULTS.md, with sections or from before them. */
export function parseResults(text: string): ResultsDocument {
  const lines = text.replace(/\n+$/, "").split("\n");
  const goalsAt = lines.indexOf(GOALS_HEADING);
  const figuresAt = lines.indexOf(FIGURES_HEADING);
  const headerEnd = goalsAt >= 0 ? goalsAt : figuresAt >= 0 ? figuresAt : lines.length;
  const header = trimBlank(lines.slice(0, headerEnd));
  const rest = figuresAt >= 0 ? lines.slice(figuresAt + 1) : [];
  if (rest.some((line) => MARKER.test(line))) return { header, sections: readSections(rest) };
  return { header, sections: readLegacy(goalsAt >= 0 ? fenced(lines.slice(goalsAt + 1)) : [], rest) };
}

function readSections(lines: string[]): ResultsSection[] {
  const sections: ResultsSection[] = [];
  let current: string[] | undefined;
  let figure = "";
  const close = () => {
    if (current) sections.push(readSection(figure, current));
  };
  for (const line of lines) {
    const match = MARKER.exec(line);
    if (match) {
      close();
      figure = match[1]!;
      current = [];
    } else current?.push(line);
  }
  close();
  return sections;
}

function readSection(figure: string, lines: string[]): ResultsSection {
  let rest = trimBlank(lines);
  let merged: string | undefined;
  if (rest[0]?.startsWith("> ")) {
    merged = rest[0].slice(2);
    rest = trimBlank(rest.slice(1));
  }
  let goals: string[] = [];
  if (rest[0] === "```") {
    const end = rest.indexOf("```", 1);
    goals = rest.slice(1, end);
    rest = trimBlank(rest.slice(end + 1));
  }
  return { figure, ...(merged ? { merged } : {}), goals, body: rest.join("\n") };
}

/** A file from before sections: goal lines and `### ` tables sorted to their figures by their words. */
function readLegacy(goalLines: string[], lines: string[]): ResultsSection[] {
  const byFigure = new Map<string, ResultsSection>();
  const section = (figure: string) => {
    let found = byFigure.get(figure);
    if (!found) {
      found = { figure, goals: [], body: "" };
      byFigure.set(figure, found);
    }
    return found;
  };
  const tables: string[][] = [];
  for (const line of lines) {
    if (line.startsWith("### ")) tables.push([line]);
    else tables.at(-1)?.push(line);
  }
  for (const table of tables) {
    const target = section(legacyFigure(table[0]!.slice(4)));
    const text = trimBlank(table).join("\n");
    target.body = target.body ? `${target.body}\n\n${text}` : text;
  }
  // Tables first, so that the sections come in the order the file had them.
  for (const line of goalLines) section(legacyFigure(line.slice(9))).goals.push(line);
  return [...byFigure.values()];
}

/** The lines of the first fenced block. */
function fenced(lines: string[]): string[] {
  const start = lines.indexOf("```");
  if (start < 0) return [];
  const end = lines.indexOf("```", start + 1);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === "") start++;
  while (end > start && lines[end - 1]!.trim() === "") end--;
  return lines.slice(start, end);
}

/**
 * Writes the document. The Goals block at the top is every section's goal lines, in section
 * order; a merged section's lines say so, since they come from another run than the header's.
 */
export function renderResults(document: ResultsDocument): string {
  const goals = document.sections.flatMap((s) =>
    s.merged ? s.goals.map((line) => `${line} [subset run, see its section]`) : s.goals,
  );
  const out = [...document.header, "", GOALS_HEADING, "", "```", ...goals, "```", "", FIGURES_HEADING, ""];
  for (const section of document.sections) {
    out.push(`<!-- figure: ${section.figure} -->`, "");
    if (section.merged) out.push(`> ${section.merged}`, "");
    if (section.goals.length > 0) out.push("```", ...section.goals, "```", "");
    if (section.body) out.push(section.body, "");
  }
  return `${trimBlank(out).join("\n")}\n`;
}

/** What one run hands to RESULTS.md: its header lines and the sections of the figures it completed. */
export interface RunSections {
  header: string[];
  sections: ResultsSection[];
  /** A full run (every figure, not quick) in which every figure completed: it replaces the whole file. */
  complete: boolean;
  /** For the sections of any other run: "Subset run …: date, machine, command". */
  mergedNote: string;
}

/**
 * The new RESULTS.md: a complete full run's sections alone, under its header; any other run's
 * sections put in place of the same figures' (or added, in `order`), each marked as merged, the
 * other sections and the header left exactly as they were.
 */
export function mergeResults(
  existing: ResultsDocument | undefined,
  run: RunSections,
  order: readonly string[],
): ResultsDocument {
  if (run.complete) return { header: run.header, sections: run.sections };
  const header = existing?.header ?? [
    run.header[0] ?? "# Benchmark results",
    "",
    "No complete full run recorded yet: every section below comes from a subset run.",
  ];
  const sections = [...(existing?.sections ?? [])];
  for (const fresh of run.sections) {
    const section = { ...fresh, merged: run.mergedNote };
    const at = sections.findIndex((s) => s.figure === fresh.figure);
    if (at >= 0) {
      sections[at] = section;
      continue;
    }
    const rank = (figure: string) => {
      const index = order.indexOf(figure);
      return index < 0 ? order.length : index;
    };
    const before = sections.findIndex((s) => rank(s.figure) > rank(fresh.figure));
    sections.splice(before < 0 ? sections.length : before, 0, section);
  }
  return { header, sections };
}

/** The file system calls `writeAtomically` makes, injectable for tests. */
export interface AtomicFs {
  writeFileSync(path: string, text: string): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

const realFs: AtomicFs = {
  writeFileSync: (path, text) => writeFileSync(path, text),
  renameSync,
  unlinkSync,
};

/**
 * Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader, or a
 * run killed mid-write, sees the old file or the new one, never a truncated one.
 */
export function writeAtomically(path: string, text: string, fs: AtomicFs = realFs): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, path);
  } catch (error) {
    try {
      fs.unlinkSync(temporary);
    } catch (cleanup) {
      // The temporary file may not exist (the write failed before creating it): nothing to clean.
      if ((cleanup as NodeJS.ErrnoException).code !== "ENOENT") throw cleanup;
    }
    throw error;
  }
}
