// Scale-out benchmark: the same load against one node and against two nodes sharing one private
// redis-server, in one run. Cross-node broadcast throughput (one publisher, subscribers spread over
// the nodes) and session join latency (the Lua join, clients spread over the nodes).
// Run: ../shared/tools/netns-run node --import tsx bench/redis_scale.ts  → bench/results/redis.md
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findRedisServer, freePort } from "../test/support/redis.js";
import { quantile } from "./lib/stats.js";
import { count, fixed, renderMarkdown, renderText, type Table } from "./lib/table.js";
import { BenchClient } from "./redis_scale_client.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 40);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const JOINS = Number(process.env.BENCH_JOINS ?? 400);
const PEERS_PER_SESSION = 10;
const CONCURRENT_JOINS = 50;

interface Row {
  nodes: number;
  deliveriesPerSecond: number;
  messagesPerSecond: number;
  deliveryP50: number;
  deliveryP99: number;
  joinP50: number;
  joinP95: number;
  joinP99: number;
  joinsPerSecond: number;
}

async function startRedisServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const binary = findRedisServer();
  if (!binary) throw new Error("redis-server not found: `sudo apt-get install redis-server`");
  const port = await freePort();
  const child = spawn(binary, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  await waitForLine(child, /Ready to accept connections/);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

async function startNode(redisUrl: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "bench/redis_scale_node.ts"), "--redis", redisUrl],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await waitForLine(child, /listening (\d+)/);
  return { port: Number(/listening (\d+)/.exec(line)![1]), stop: () => stopChild(child) };
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = output.split("\n").find((line) => pattern.test(line));
      if (!found) return;
      clearTimeout(timer);
      resolvePromise(found);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${output}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  await exited;
}

/** One publisher on node 0; subscribers round-robin over the nodes; every payload carries its send time. */
async function broadcastFigure(
  ports: number[],
): Promise<Pick<Row, "deliveriesPerSecond" | "messagesPerSecond" | "deliveryP50" | "deliveryP99">> {
  const room = `room-${ports.length}`;
  const subscribers = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) => BenchClient.connect(ports[i % ports.length]!)),
  );
  const publisher = await BenchClient.connect(ports[0]!);
  await Promise.all([...subscribers, publisher].map((client) => client.subscribe(room)));
  const latencies: number[] = [];
  const done = Promise.all(
    subscribers.map((client) =>
      client.collect(room, MESSAGES, (body) => latencies.push(performance.now() - (body as { t: number }).t)),
    ),
  );
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i++)
    publisher.perform(room, { action: "speak", body: { i, t: performance.now() } });
  await done;
  const elapsed = (performance.now() - started) / 1000;
  for (const client of [...subscribers, publisher]) client.close();
  return {
    deliveriesPerSecond: (MESSAGES * SUBSCRIBERS) / elapsed,
    messagesPerSecond: MESSAGES / elapsed,
    deliveryP50: quantile(latencies, 0.5),
    deliveryP99: quantile(latencies, 0.99),
  };
}

/** Sessions of PEERS_PER_SESSION peers whose members sit on different nodes; CONCURRENT_JOINS in flight. */
async function joinFigure(
  ports: number[],
): Promise<Pick<Row, "joinP50" | "joinP95" | "joinP99" | "joinsPerSecond">> {
  const clients = await Promise.all(ports.map((port) => BenchClient.connect(port)));
  await Promise.all(clients.map((client) => client.subscribe("joins")));
  const latencies: number[] = [];
  const hosts = new Map<string, number>();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < JOINS) {
      const seq = next++;
      const session = `bench-${ports.length}-${Math.floor(seq / PEERS_PER_SESSION)}`;
      const client = clients[seq % clients.length]!;
      const sent = performance.now();
      const reply = await client.request("joins", { action: "join", session, peer: `peer-${seq}`, seq });
      latencies.push(performance.now() - sent);
      if (reply.isHost) hosts.set(session, (hosts.get(session) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_JOINS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  for (const client of clients) client.close();
  const sessions = Math.ceil(JOINS / PEERS_PER_SESSION);
  if (hosts.size !== sessions || [...hosts.values()].some((n) => n !== 1)) {
    throw new Error(`host election broke: ${JSON.stringify([...hosts])}`);
  }
  return {
    joinP50: quantile(latencies, 0.5),
    joinP95: quantile(latencies, 0.95),
    joinP99: quantile(latencies, 0.99),
    joinsPerSecond: JOINS / elapsed,
  };
}

async function measure(redisUrl: string, nodes: number): Promise<Row> {
  const running = await Promise.all(Array.from({ length: nodes }, () => startNode(redisUrl)));
  try {
    const ports = running.map((node) => node.port);
    const broadcast = await broadcastFigure(ports);
    const joins = await joinFigure(ports);
    return { nodes, ...broadcast, ...joins };
  } finally {
    await Promise.all(running.map((node) => node.stop()));
  }
}

const redis = await startRedisServer();
let rows: Row[];
try {
  rows = [await measure(redis.url, 1), await measure(redis.url, 2)];
} finally {
  await redis.stop();
}
const table: Table = {
  title: "Redis scale-out: one node against two nodes sharing one redis-server",
  headers: [
    "nodes",
    "deliveries/s",
    "messages/s",
    "delivery p50 ms",
    "delivery p99 ms",
    "join p50 ms",
    "join p95 ms",
    "join p99 ms",
    "joins/s",
  ],
  rows: rows.map((row) => [
    String(row.nodes),
    count(row.deliveriesPerSecond),
    count(row.messagesPerSecond),
    fixed(row.deliveryP50, 1),
    fixed(row.deliveryP99, 1),
    fixed(row.joinP50, 2),
    fixed(row.joinP95, 2),
    fixed(row.joinP99, 2),
    count(row.joinsPerSecond),
  ]),
  notes: [
    `broadcast: ${MESSAGES} messages from one publisher on node 1 to ${SUBSCRIBERS} subscribers spread round-robin over the nodes (every message crosses Redis once per node)`,
    `joins: ${JOINS} joins into sessions of ${PEERS_PER_SESSION} peers, ${CONCURRENT_JOINS} in flight, clients spread over the nodes; exactly one host per session checked`,
    "delivery latency is measured under that burst (all messages sent at once), so it is mostly queueing: read it as time to drain, not as idle latency",
    `all processes on one machine (${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}) inside a private network namespace: nodes, redis-server and the load generator share the cores`,
  ],
};
process.stdout.write(`${renderText(table)}\n`);
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(
  join(root, "bench/results/redis.md"),
  `# Redis scale-out\n\nProduced by \`bench/redis_scale.ts\` on ${new Date().toISOString().slice(0, 10)}.\n\n${renderMarkdown(table)}\n`,
);
