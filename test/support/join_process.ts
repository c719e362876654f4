import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { withDeadline } from "./cable.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A `p2p-streams-channel join …` child process, driven through its stdin and read from its stdout. */
export interface JoinProcess {
  readonly child: ChildProcess;
  /** Lines written to stdout so far. */
  readonly lines: string[];
  /** What it wrote to stderr so far. */
  readonly stderr: () => string;
  /** Writes one line to its stdin. */
  type(line: string): void;
  /** Resolves with the first stdout line matching `match`, or fails naming `description`. */
  line(description: string, match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Starts `node --import tsx src/cli/main.ts join …args`; killed when the test ends. */
export function startJoin(args: string[], t: Pick<TestContext, "after">): JoinProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "join", ...args], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    if (process.env.P2P_TEST_DEBUG) for (const part of parts) console.log(`[join ${child.pid}] ${part}`);
    for (const wake of [...waiters]) wake();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    type: (line) => child.stdin!.write(`${line}\n`),
    exited,
    line(description, match, timeoutMs = 30_000) {
      const find = () => lines.find(match);
      const found = find();
      if (found !== undefined) return Promise.resolve(found);
      let waiter!: () => void;
      const done = new Promise<string>((resolveLine) => {
        waiter = () => {
          const line = find();
          if (line !== undefined) resolveLine(line);
        };
        waiters.add(waiter);
      });
      return withDeadline(
        done,
        `join ${args[0]} to print ${description} (stdout: ${JSON.stringify(lines)}, stderr: ${stderr})`,
        timeoutMs,
      ).finally(() => waiters.delete(waiter));
    },
  };
}

/** Parses a `--json` line, `null` when it is not JSON. */
export function parsed(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
