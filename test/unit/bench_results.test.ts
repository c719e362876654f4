import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isCompleteRun, type MachineInfo, writeResults } from "../../bench/lib/report.js";
import {
  type AtomicFs,
  mergeResults,
  parseResults,
  type ResultsSection,
  renderResults,
  writeAtomically,
} from "../../bench/lib/results_file.js";
import { FIGURES, parseSettings, type Settings } from "../../bench/lib/settings.js";

const ORDER = FIGURES;

/** A RESULTS.md as bench/run.ts wrote it before it had sections. */
const LEGACY = `# Benchmark results

Written by \`bench/run.ts\`; do not edit by hand. How to read it: \`bench/README.md\`.

- date: 2026-12-01T20:27:23.803Z
- command: \`npm run bench\` (full run), inside netns-run, loopback only

## Goals

\`\`\`
NOT met  relay throughput W=1: 0.89x raw ws (goal ≥ 0.9x): 51,220 vs 57,632 msg/s
met      memory per idle connection @5000: 1.11x raw ws (goal ≤ 1.2x): 9.14 vs 8.27 KiB/conn
NOT met  no slower than PeerJS to connect, star 1+5: join → all connected: 306.2 vs 234.4 ms
\`\`\`

## Figures

### Relay, 200 pairs, W=1 in flight per pair (closed loop, 10 s window)

| server    | msg/s (median) |
| --------- | -------------: |
| our cable |         51,220 |

### Memory per idle connection (RSS after GC; cable clients subscribed to one channel each)

| server    | KiB/conn @5000 |
| --------- | -------------: |
| our cable |           9.14 |

- 3 trial(s) per server, medians.

### Browser: join → all connected, star of 1 + 5

| client | median ms |
| ------ | --------: |
| ours   |     306.2 |

### Session (ours): recovery after the host leaves

| clients | median ms |
| ------- | --------: |
| 1 + 5   |       170 |
`;

const section = (figure: string, value: string): ResultsSection => ({
  figure,
  goals: [`met      ${figure} goal: ${value}`],
  body: `### ${figure} table\n\n| a | b |\n| - | -: |\n| x | ${value} |`,
});

const fullHeader = [
  "# Benchmark results",
  "",
  "- date: 2026-12-02T10:00:00.000Z",
  "- command: `npm run bench`",
];

describe("RESULTS.md sections", () => {
  test("sorts the tables and goals of a file from before sections to their figures", () => {
    const document = parseResults(LEGACY);
    assert.deepEqual(
      document.sections.map((s) => s.figure),
      ["relay", "memory", "star"],
    );
    const star = document.sections.find((s) => s.figure === "star")!;
    assert.match(star.body, /^### Browser: join → all connected, star of 1 \+ 5/);
    assert.match(star.body, /### Session \(ours\): recovery after the host leaves/);
    assert.deepEqual(
      document.sections.map((s) => s.goals.length),
      [1, 1, 1],
    );
    assert.equal(
      document.header.at(-1),
      "- command: `npm run bench` (full run), inside netns-run, loopback only",
    );
  });

  test("a subset run replaces its figure's section only, marked, and leaves the rest as it was", () => {
    const before = renderResults(parseResults(LEGACY));
    const merged = renderResults(
      mergeResults(
        parseResults(before),
        {
          header: ["# Benchmark results", "", "- date: 2026-12-02T12:00:00.000Z"],
          sections: [section("relay", "60,000")],
          complete: false,
          mergedNote: "Subset run, not the full run above: 2026-12-02T12:00:00.000Z; AMD EPYC",
        },
        ORDER,
      ),
    );
    const old = parseResults(before);
    const now = parseResults(merged);
    assert.deepEqual(now.header, old.header, "the header stays the last full run's");
    const relay = now.sections.find((s) => s.figure === "relay")!;
    assert.equal(relay.merged, "Subset run, not the full run above: 2026-12-02T12:00:00.000Z; AMD EPYC");
    assert.match(relay.body, /60,000/);
    assert.doesNotMatch(merged, /51,220 \|/, "the old relay table is gone");
    for (const figure of ["memory", "star"]) {
      assert.deepEqual(
        now.sections.find((s) => s.figure === figure),
        old.sections.find((s) => s.figure === figure),
        `${figure} untouched`,
      );
    }
    assert.match(merged, /^met {6}relay goal: 60,000 \[subset run, see its section\]$/m);
    assert.match(merged, /^met {6}memory per idle connection @5000: 1\.11x raw ws/m);
  });

  test("a figure new to the file goes in its place in the figures' order", () => {
    const merged = mergeResults(
      parseResults(LEGACY),
      { header: fullHeader, sections: [section("accept", "1")], complete: false, mergedNote: "subset" },
      ORDER,
    );
    assert.deepEqual(
      merged.sections.map((s) => s.figure),
      ["relay", "memory", "accept", "star"],
    );
  });

  test("a complete full run replaces the whole file, header included, with nothing marked", () => {
    const merged = mergeResults(
      parseResults(LEGACY),
      {
        header: fullHeader,
        sections: [section("relay", "1"), section("memory", "2")],
        complete: true,
        mergedNote: "unused",
      },
      ORDER,
    );
    assert.deepEqual(merged.header, fullHeader);
    assert.deepEqual(
      merged.sections.map((s) => [s.figure, s.merged]),
      [
        ["relay", undefined],
        ["memory", undefined],
      ],
    );
  });

  test("reads back what it writes", () => {
    const document = mergeResults(
      undefined,
      { header: fullHeader, sections: [section("relay", "1")], complete: false, mergedNote: "subset, x" },
      ORDER,
    );
    const text = renderResults(document);
    assert.deepEqual(parseResults(text), document);
    assert.equal(renderResults(parseResults(text)), text);
  });
});

describe("writeAtomically", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-results-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("replaces the file and leaves no temporary file behind", () => {
    const path = join(dir, "room4.md");
    writeFileSync(path, "old\n");
    writeAtomically(path, "new\n");
    assert.equal(readFileSync(path, "utf8"), "new\n");
    assert.deepEqual(readdirSync(dir), ["room4.md"]);
  });

  test("leaves the old file whole when the write dies part-way", () => {
    const path = join(dir, "node_crash.md");
    writeFileSync(path, "old\n");
    const fs: AtomicFs = {
      writeFileSync(temporary, text) {
        writeFileSync(temporary, text.slice(0, 2));
        throw new Error("killed mid-write");
      },
      renameSync: () => assert.fail("a failed write is never renamed over the file"),
      unlinkSync: (temporary) => rmSync(temporary),
    };
    assert.throws(() => writeAtomically(path, "new and long\n", fs), /killed mid-write/);
    assert.equal(readFileSync(path, "utf8"), "old\n");
    assert.deepEqual(readdirSync(dir).sort(), ["node_crash.md", "room4.md"]);
  });
});

describe("which runs rewrite RESULTS.md", () => {
  const settings = (args: string[]) => parseSettings(args) as Settings;

  test("only a full run in which every figure completed", () => {
    assert.equal(isCompleteRun(settings([]), FIGURES), true);
    assert.equal(isCompleteRun(settings(["--write"]), FIGURES), true);
    assert.equal(isCompleteRun(settings([]), FIGURES.slice(1)), false, "a figure skipped or failed");
    assert.equal(isCompleteRun(settings(["--quick", "--write"]), FIGURES), false);
    assert.equal(isCompleteRun(settings(["--figures=relay"]), ["relay"]), false);
    assert.equal(isCompleteRun(settings(["--servers=cable,raw_ws"]), FIGURES), false);
  });

  test("a subset run merges into the file on disk, marked with its date, machine and command", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-results-"));
    try {
      const path = join(dir, "RESULTS.md");
      writeFileSync(path, LEGACY);
      const info: MachineInfo = {
        date: "2026-12-02T13:00:00.000Z",
        node: "v20.20.2",
        cpu: "AMD EPYC",
        cores: 2,
        memoryGiB: 23.5,
        os: "Linux",
        loadStart: 1,
        loadEnd: 5,
      };
      const run = settings(["--quick", "--figures=relay", "--write"]);
      const how = writeResults(path, info, run, [section("relay", "70,000")], false);
      assert.equal(how, "merged");
      const text = readFileSync(path, "utf8");
      const relay = parseResults(text).sections.find((s) => s.figure === "relay")!;
      assert.match(
        relay.merged!,
        /^Subset run, not the full run above: 2026-12-02T13:00:00\.000Z; AMD EPYC, 2 cores/,
      );
      assert.match(relay.merged!, /load average 1\.00 → 5\.00 \(machine shared\)/);
      assert.match(relay.merged!, /`npm run bench -- --quick --figures=relay --write` \(quick mode\)/);
      assert.match(text, /- date: 2026-12-01T20:27:23\.803Z/, "the full run's header stays");
      assert.match(text, /\| our cable \| {11}9\.14 \|/, "the memory table stays");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
