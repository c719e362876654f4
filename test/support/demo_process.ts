import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { withDeadline } from "./cable.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One JSON log line of the demo's console logger (stderr). */
export type DemoLogLine = { level: string; msg: string } & Record<string, unknown>;

/** A `p2p-streams-channel demo` child process on a free port. */
export interface DemoProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly logs: DemoLogLine[];
  readonly child: ChildProcess;
  /** Resolves with the first log line from index `from` on that matches every given field. */
  waitForLog(match: Record<string, unknown>, from?: number, timeoutMs?: number): Promise<DemoLogLine>;
  /** SIGTERM, then resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx src/cli/main.ts demo --port 0 …` and waits for its `listening on` line.
 * Stopped when the test (or suite) ends, through `t.after` when a context is given.
 */
export async function startDemoProcess(args: string[], t?: Pick<TestContext, "after">): Promise<DemoProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "demo", "--port", "0", "--host", "127.0.0.1", ...args],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, REDIS_URL: "" } },
  );
  const logs: DemoLogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    const lines = stderr.split("\n");
    stderr = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as DemoLogLine);
      } catch {
        logs.push({ level: "raw", msg: line });
      }
      if (process.env.P2P_TEST_DEBUG) console.log(`[demo ${child.pid}] ${line}`);
    }
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  let stdout = "";
  const url = await withDeadline(
    new Promise<string>((resolveUrl, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /listening on (http:\/\/\S+)/.exec(stdout);
        if (found) resolveUrl(found[1]!);
      });
      child.once("exit", (code) =>
        reject(new Error(`demo exited with ${code}: ${stdout} ${JSON.stringify(logs)}`)),
      );
    }),
    "the demo process to listen",
    20_000,
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  t?.after(stop);
  const waitForLog: DemoProcess["waitForLog"] = (match, from = 0, timeoutMs = 10_000) => {
    const find = () =>
      logs.slice(from).find((line) => Object.entries(match).every(([key, value]) => line[key] === value));
    const found = find();
    if (found) return Promise.resolve(found);
    let wake!: () => void;
    const waiting = new Promise<DemoLogLine>((resolveLine) => {
      wake = () => {
        const line = find();
        if (line) resolveLine(line);
      };
      waiters.add(wake);
    });
    return withDeadline(waiting, `demo log ${JSON.stringify(match)}`, timeoutMs).finally(() =>
      waiters.delete(wake),
    );
  };
  return { url, logs, child, waitForLog, stop };
}
