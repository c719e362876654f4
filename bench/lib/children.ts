import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ServerKind } from "../kinds.js";
import type { LoadCommand, LoadReply } from "../load/commands.js";
import { fetchStats } from "../load/commands.js";
import type { ReadyMessage, ServerStats } from "../servers/control.js";

const START_DEADLINE_MS = 30_000;

/** A server under test, running in its own process (`demo`: the browser figures' demo app; `signaling`: our sessions' channel). */
export interface ServerProcess<K extends ServerKind | "demo" | "signaling" = ServerKind> {
  kind: K;
  port: number;
  controlPort: number;
  /** RSS and CPU time; with `gc`, after full collections. */
  stats(gc?: boolean): Promise<ServerStats>;
  stop(): Promise<void>;
}

/**
 * Starts `bench/servers/<kind>.ts` with `--expose-gc` (and `--cpu-prof` into `profileDir` when
 * given); `args` go to the script (e.g. `--no-relay` for the demo app).
 */
export async function startServer<K extends ServerKind | "demo" | "signaling">(
  root: string,
  kind: K,
  profileDir?: string,
  args: string[] = [],
): Promise<ServerProcess<K>> {
  const execArgv = ["--expose-gc", "--import", "tsx"];
  if (profileDir) {
    // One folder per server; each process writes one profile per thread (tsx's loader has one).
    const dir = join(profileDir, kind);
    mkdirSync(dir, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const child = fork(join(root, "bench/servers", `${kind}.ts`), args, {
    cwd: root,
    execArgv,
    stdio: "inherit",
  });
  const ready = await deadline(
    new Promise<ReadyMessage>((resolve, reject) => {
      child.once("message", (message) => resolve(message as ReadyMessage));
      child.once("exit", (code) =>
        reject(new Error(`server ${kind} exited with code ${code} before it was ready`)),
      );
    }),
    START_DEADLINE_MS,
    `server ${kind} to start`,
  );
  return {
    kind,
    port: ready.port,
    controlPort: ready.controlPort,
    stats: (gc = false) => fetchStats(ready.controlPort, gc),
    stop: () => stopChild(child),
  };
}

/** The load generator process. `run` sends one command and resolves with its result. */
export interface LoadProcess {
  run<T>(command: LoadCommand | { op: "release" }, progress: (text: string) => void): Promise<T>;
  stop(): Promise<void>;
}

export function startLoad(root: string): LoadProcess {
  const child = fork(join(root, "bench/load/main.ts"), [], {
    cwd: root,
    execArgv: ["--import", "tsx"],
    stdio: "inherit",
  });
  return {
    run<T>(command: LoadCommand | { op: "release" }, progress: (text: string) => void): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const onMessage = (message: LoadReply) => {
          if (message.type === "progress") {
            progress(message.text);
            return;
          }
          child.off("message", onMessage);
          child.off("exit", onExit);
          if (message.type === "done") resolve(message.result as T);
          else reject(new Error(`load generator: ${message.error}`));
        };
        const onExit = (code: number | null) => reject(new Error(`load generator exited with code ${code}`));
        child.on("message", onMessage);
        child.once("exit", onExit);
        child.send(command);
      });
    },
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await deadline(exited, 10_000, `process ${child.pid} to exit`).catch(() => {
    child.kill("SIGKILL");
  });
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
