import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { after, type TestContext } from "node:test";
import { Redis } from "ioredis";

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
  /** The running redis-server (a new process after `restart`). */
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM) and resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts a fresh, empty redis-server on the same port: the end of an outage begun with `stop`. */
  restart(): Promise<void>;
}

/** Starts a private, non-persistent redis-server on a free loopback port and waits until it accepts. */
export async function startRedis(t: TestContext): Promise<PrivateRedis | null> {
  const binary = findRedisServer();
  if (!binary) {
    if (process.env.P2P_SKIP_REDIS_TESTS === "1" && !process.env.CI) {
      t.skip("P2P_SKIP_REDIS_TESTS=1 and no redis-server");
      return null;
    }
    throw new Error(REDIS_MISSING);
  }
  const chosen = await freePort();
  let running = await spawnRedis(binary, chosen);
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    get process() {
      return running.child;
    },
    stop: () => running.stop(),
    async restart() {
      await running.stop();
      running = await spawnRedis(binary, chosen);
    },
  };
}

/** A redis-server shared by the tests of a file or a suite. */
export interface SharedRedis {
  /** The server, started by the first test that asks; `null` when the user opted out (that test skips). */
  get(t: TestContext): Promise<PrivateRedis | null>;
  /** Its URL; throws when there is no redis-server. */
  url(t: TestContext): Promise<string>;
  /** A plain ioredis client on it, closed when the test ends: what a Rails process would be. */
  client(t: TestContext): Promise<Redis>;
}

/**
 * One private redis-server for a file or a suite, stopped after its last test. Call it at the top
 * level of the file or inside a `describe`; every test uses its own keys or stream names.
 */
export function sharedRedis(): SharedRedis {
  let shared: Promise<PrivateRedis | null> | undefined;
  after(async () => (await shared)?.stop());
  const get = (t: TestContext) => (shared ??= startRedis(t));
  const url = async (t: TestContext) => {
    const redis = await get(t);
    if (!redis) throw new Error("redis-server unavailable");
    return redis.url;
  };
  return {
    get,
    url,
    async client(t) {
      const client = new Redis(await url(t));
      t.after(() => client.quit());
      return client;
    },
  };
}

async function spawnRedis(
  binary: string,
  port: number,
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
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
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
