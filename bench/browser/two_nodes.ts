// Two `p2p-streams-channel demo` processes sharing one private redis-server, as two nodes of one
// deployment: node A keeps running for the whole figure, node B can be killed and started again.
import { type DemoLogLine, type DemoProcess, startDemoProcess } from "../../test/support/demo_process.js";
import { findRedisServer, type PrivateRedis, REDIS_MISSING, startRedis } from "../../test/support/redis.js";

/** Both nodes sign with one secret: a page's token from one node is honoured by the other. */
const SECRET = "bench-node-crash-0123456789abcdef";

export interface TwoNodes {
  readonly redis: PrivateRedis;
  readonly a: DemoProcess;
  /** The current node B: a fresh process after every `restartB`. */
  readonly b: DemoProcess;
  /** SIGKILL to node B: no `leave`, no socket closed cleanly, nothing written to the store. */
  crashB(): void;
  /** Waits for node B to be gone (killed or not), then starts a fresh one. */
  restartB(): Promise<void>;
  /** Warnings and errors node A logged from index `from` of its log on. */
  warningsOfA(from: number): DemoLogLine[];
  close(): Promise<void>;
}

/** Starts redis-server and both nodes on 127.0.0.1 port 0, or resolves to why it cannot (no redis-server). */
export async function startTwoNodes(): Promise<TwoNodes | string> {
  if (!findRedisServer()) return REDIS_MISSING;
  // The tests' helpers take a test context only to skip; a redis-server was found, so none is needed.
  const redis = (await startRedis({ skip() {} } as never))!;
  const start = () => startDemoProcess(["--redis", redis.url, "--secret", SECRET]);
  let a: DemoProcess | undefined;
  let b: DemoProcess | undefined;
  try {
    a = await start();
    b = await start();
  } catch (error) {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis.stop();
    throw error;
  }
  const nodeA = a;
  let nodeB = b;
  return {
    redis,
    a: nodeA,
    get b() {
      return nodeB;
    },
    crashB() {
      nodeB.child.kill("SIGKILL");
    },
    async restartB() {
      await nodeB.stop();
      nodeB = await start();
    },
    warningsOfA: (from) =>
      nodeA.logs.slice(from).filter((line) => line.level === "warn" || line.level === "error"),
    async close() {
      await Promise.all([nodeA.stop(), nodeB.stop()]);
      await redis.stop();
    },
  };
}
