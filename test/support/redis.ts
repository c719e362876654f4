import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import type { TestContext } from "node:test";

const CANDIDATES = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"];

export function findRedisServer(): string | null {
  const fromEnv = process.env.REDIS_SERVER_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export const REDIS_MISSING = `redis-server not found (looked at $REDIS_SERVER_PATH, ${CANDIDATES.join(", ")}).
Install it with \`sudo apt-get install redis-server\` or point REDIS_SERVER_PATH at the binary.
To skip the Redis suites on purpose, set P2P_SKIP_REDIS_TESTS=1 (CI never does).`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops the server (SIGTERM) and resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts a private, non-persistent redis-server on a free loopback port and waits until it accepts. */
export async function startRedis(t: TestContext, port?: number): Promise<PrivateRedis | null> {
  const binary = findRedisServer();
  if (!binary) {
    if (process.env.P2P_SKIP_REDIS_TESTS === "1" && !process.env.CI) {
      t.skip("P2P_SKIP_REDIS_TESTS=1 and no redis-server");
      return null;
    }
    throw new Error(REDIS_MISSING);
  }
  const chosen = port ?? (await freePort());
  const child = spawn(
    binary,
    [
      "--port",
      String(chosen),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)),
    );
  });
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
