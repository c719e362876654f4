// Soak: 5,000 concurrent cable connections on one server process, 1% of them replaced every
// second for 60 s, with light directed traffic; counts every error, samples the server's RSS and
// heap, and checks that memory comes back near its baseline once everyone has left (no leak).
// Run (needs about 5,500 descriptors in each of the two processes):
//   ulimit -n "$(ulimit -Hn)"; ../shared/tools/netns-run node --import tsx bench/soak.ts [--quick] [--write]
// Full runs write bench/results/soak.md; --quick (500 connections, 10 s) only prints.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerProcess, startServer } from "./lib/children.js";
import { describeMachine, machineInfo } from "./lib/report.js";
import { quantile } from "./lib/stats.js";
import { count, fixed, renderMarkdown, renderText, type Table } from "./lib/table.js";
import { type BenchClient, CANDIDATE_FILLER, type RelayBody } from "./load/client.js";
import { connectCable } from "./load/clients/cable.js";
import { closeAll, connectMany } from "./load/connectors.js";
import type { ServerStats } from "./servers/control.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => process.stdout.write(`${line}\n`);
const MiB = 1024 * 1024;

const args = process.argv.slice(2);
for (const arg of args) {
  if (!["--quick", "--write", "--no-write"].includes(arg)) {
    throw new TypeError(`unexpected argument "${arg}": usage: bench/soak.ts [--quick] [--write|--no-write]`);
  }
}
const quick = args.includes("--quick");
const settings = {
  connections: quick ? 500 : 5000,
  seconds: quick ? 10 : 60,
  /** Share of the connections replaced every second. */
  churn: 0.01,
  /** Directed relays a second between connected clients, each checked for delivery. */
  relaysPerSecond: quick ? 50 : 200,
  parallel: 100,
  write: args.includes("--write") || (!quick && !args.includes("--no-write")),
};
/** After everyone has left, the heap must be back within this share of what the crowd added. */
const HEAP_BACK_WITHIN = 0.1;
const DELIVERY_DEADLINE_MS = 10_000;

/** Each process holds one socket per client: refuse to start rather than fail on EMFILE halfway. */
function checkDescriptorLimit(): void {
  const needed = settings.connections + 500;
  const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim();
  const limit = out === "unlimited" ? Number.POSITIVE_INFINITY : Number(out);
  if (Number.isFinite(limit) && limit < needed) {
    throw new Error(
      `open-file limit is ${limit}, the soak needs ${needed}: run \`ulimit -n "$(ulimit -Hn)"\` first`,
    );
  }
}

interface Sample {
  second: number;
  connections: number;
  stats: ServerStats;
}

/** Every failure the soak can see from outside the server, by kind. */
const errors = { connectFailed: 0, relaysLost: 0, livenessLost: 0, unexpected: [] as string[] };

// ── clients ────────────────────────────────────────────────────────────

let nextId = 0;
let nextToken = 0;
const connected = new Map<string, BenchClient>();
/** Relays sent and not yet delivered: token → addressed client. */
const awaited = new Map<number, string>();
let wake: (() => void) | undefined;
const connectMs: number[] = [];

const deliver = (id: string) => (_from: string, body: RelayBody) => {
  if (awaited.get(body.k) !== id) {
    errors.unexpected.push(
      `client ${id} got relay ${body.k} addressed to ${awaited.get(body.k) ?? "nobody"}`,
    );
    return;
  }
  awaited.delete(body.k);
  if (awaited.size === 0) wake?.();
};

async function connectOne(port: number): Promise<void> {
  const id = `soak${nextId++}`;
  const started = performance.now();
  try {
    connected.set(id, await connectCable({ port, id, deliver: deliver(id), until: "ready" }));
    connectMs.push(performance.now() - started);
  } catch (error) {
    errors.connectFailed++;
    if (errors.unexpected.length < 20) errors.unexpected.push(String(error));
  }
}

/** Sends `n` relays from random clients to random others; resolves with how many never arrived. */
async function relay(n: number, pick: () => [BenchClient, BenchClient]): Promise<number> {
  for (let i = 0; i < n; i++) {
    const [from, to] = pick();
    const k = nextToken++;
    awaited.set(k, to.id);
    from.send(to.id, { t: performance.now(), k, c: CANDIDATE_FILLER });
  }
  if (awaited.size > 0) {
    await Promise.race([
      new Promise<void>((resolvePromise) => {
        wake = resolvePromise;
      }),
      new Promise((resolvePromise) => setTimeout(resolvePromise, DELIVERY_DEADLINE_MS)),
    ]);
  }
  wake = undefined;
  const lost = awaited.size;
  awaited.clear();
  return lost;
}

function randomClients(): [BenchClient, BenchClient] {
  const clients = [...connected.values()];
  const a = clients[Math.floor(Math.random() * clients.length)]!;
  let b = clients[Math.floor(Math.random() * clients.length)]!;
  if (b === a) b = clients[(clients.indexOf(a) + 1) % clients.length]!;
  return [a, b];
}

// ── the run ─────────────────────────────────────────────────────────────

/**
 * The server tears a socket down after its close, asynchronously: sample (after GC) every 500 ms
 * until the heap stops shrinking (two samples within 64 KiB), for at most 10 s.
 */
async function settled(sample: (second: number, gc: boolean) => Promise<ServerStats>, second: number) {
  let last = await sample(second, true);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const next = await sample(second, true);
    const shrunk = last.heapUsed - next.heapUsed;
    last = next;
    if (shrunk < 64 * 1024) break;
  }
  return last;
}

async function soak(server: ServerProcess) {
  const samples: Sample[] = [];
  const sample = async (second: number, gc = false) => {
    const stats = await server.stats(gc);
    samples.push({ second, connections: connected.size, stats });
    return stats;
  };
  // Warm-up: one small crowd comes and goes first, so that one-time costs (compiled code, lazily
  // built tables) are in the baseline and what stays after the soak is what the soak left.
  const warm = await connectMany("cable", {
    port: server.port,
    ids: Array.from({ length: settings.parallel }, () => `warm${nextId++}`),
    parallel: settings.parallel,
    until: "ready",
    deliver,
  });
  for (const client of warm) connected.set(client.id, client);
  errors.relaysLost += await relay(settings.parallel, randomClients);
  connected.clear();
  await closeAll(warm);
  const baseline = await settled(sample, 0);
  log(`baseline: RSS ${fixed(baseline.rss / MiB, 1)} MiB, heap ${fixed(baseline.heapUsed / MiB, 1)} MiB`);

  log(`connecting ${settings.connections} clients, ${settings.parallel} at a time…`);
  const ids = Array.from({ length: settings.connections }, () => `soak${nextId++}`);
  const crowd = await connectMany(
    "cable",
    { port: server.port, ids, parallel: settings.parallel, until: "ready", deliver },
    log,
  );
  for (const client of crowd) connected.set(client.id, client);
  const loaded = await sample(0, true);
  log(
    `${connected.size} connected: RSS ${fixed(loaded.rss / MiB, 1)} MiB, heap ${fixed(loaded.heapUsed / MiB, 1)} MiB`,
  );

  const perTick = Math.max(1, Math.round(settings.connections * settings.churn));
  let opened = 0;
  let closed = 0;
  let relays = 0;
  const started = performance.now();
  for (let second = 1; second <= settings.seconds; second++) {
    // Churn: the oldest perTick clients leave and as many newcomers arrive, at the same time.
    const leaving = [...connected.values()].slice(0, perTick);
    for (const client of leaving) connected.delete(client.id);
    await Promise.all([closeAll(leaving), ...Array.from({ length: perTick }, () => connectOne(server.port))]);
    closed += leaving.length;
    opened += perTick;
    errors.relaysLost += await relay(settings.relaysPerSecond, randomClients);
    relays += settings.relaysPerSecond;
    const stats = await sample(second);
    if (second % 10 === 0 || second === settings.seconds) {
      log(
        `${second} s: ${connected.size} connected, ${opened} opened, ${closed} closed, RSS ${fixed(stats.rss / MiB, 1)} MiB, heap ${fixed(stats.heapUsed / MiB, 1)} MiB, errors ${errors.connectFailed + errors.relaysLost}`,
      );
    }
    // One tick a second: the churn rate is the point, so wait out the rest of the second.
    const due = started + second * 1000;
    if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
  }

  // Every client still connected proves its socket works: a relay to itself must come back.
  const everyone = [...connected.values()];
  const livenessChecked = everyone.length;
  let index = 0;
  errors.livenessLost = await relay(everyone.length, () => {
    const client = everyone[index++]!;
    return [client, client];
  });
  const beforeLeave = await sample(settings.seconds, true);

  log(`closing all ${connected.size} clients…`);
  const all = [...connected.values()];
  connected.clear();
  await closeAll(all);
  const after = await settled(sample, settings.seconds + 1);
  return { samples, baseline, loaded, beforeLeave, after, opened, closed, relays, livenessChecked };
}

checkDescriptorLimit();
if (!process.env.NETNS_RUN_INSIDE) {
  log("note: not inside ../shared/tools/netns-run (every socket is still on 127.0.0.1)");
}
const machine = machineInfo();
const server = await startServer(root, "cable");
let result: Awaited<ReturnType<typeof soak>>;
try {
  result = await soak(server);
} finally {
  await server.stop();
}
machine.loadEnd = os.loadavg()[0];

const { samples, baseline, loaded, beforeLeave, after, opened, closed, relays, livenessChecked } = result;
const during = samples.filter((s) => s.second >= 1 && s.second <= settings.seconds);
const mib = (bytes: number) => fixed(bytes / MiB, 1);
const signed = (bytes: number) => `${bytes >= 0 ? "+" : "−"}${mib(Math.abs(bytes))}`;
const memoryRow = (phase: string, connections: number, stats: ServerStats) => [
  phase,
  count(connections),
  mib(stats.rss),
  mib(stats.heapUsed),
  mib(stats.external),
];
const rssDuring = during.map((s) => s.stats.rss);
const heapDuring = during.map((s) => s.stats.heapUsed);
const heapAdded = loaded.heapUsed - baseline.heapUsed;
const heapLeft = after.heapUsed - baseline.heapUsed;
const totalErrors = errors.connectFailed + errors.relaysLost + errors.livenessLost + errors.unexpected.length;
const verdicts = [
  `${totalErrors === 0 ? "met    " : "NOT met"}  no errors: ${errors.connectFailed} failed connects, ${errors.relaysLost} of ${count(relays)} relays lost, ${errors.livenessLost} of ${count(livenessChecked)} liveness relays lost, ${errors.unexpected.length} misdeliveries`,
  `${heapLeft <= HEAP_BACK_WITHIN * heapAdded ? "met    " : "NOT met"}  heap back near baseline after everyone left: ${mib(after.heapUsed)} MiB vs ${mib(baseline.heapUsed)} MiB baseline (${fixed((100 * heapLeft) / Math.max(1, heapAdded), 1)}% of the ${mib(heapAdded)} MiB the crowd added; goal ≤ ${HEAP_BACK_WITHIN * 100}%)`,
];

const memory: Table = {
  title: `Soak: server memory, ${count(settings.connections)} connections, ${settings.churn * 100}% churn a second for ${settings.seconds} s`,
  headers: ["phase", "connections", "RSS MiB", "heap MiB", "external MiB"],
  rows: [
    memoryRow("baseline (after a warm-up crowd left, GC)", 0, baseline),
    memoryRow("crowd connected (after GC)", settings.connections, loaded),
    [
      "during churn, min–max (no GC)",
      count(settings.connections),
      `${mib(Math.min(...rssDuring))}–${mib(Math.max(...rssDuring))}`,
      `${mib(Math.min(...heapDuring))}–${mib(Math.max(...heapDuring))}`,
      "",
    ],
    memoryRow("end of churn (after GC)", settings.connections, beforeLeave),
    memoryRow("everyone left (after GC)", 0, after),
  ],
  notes: [
    `heap per connection while connected: ${fixed(heapAdded / settings.connections / 1024, 2)} KiB; RSS per connection: ${fixed((loaded.rss - baseline.rss) / settings.connections / 1024, 2)} KiB`,
    `after everyone left: heap ${signed(heapLeft)} MiB against baseline, RSS ${signed(after.rss - baseline.rss)} MiB (V8 and the allocator keep freed pages, so RSS is not the leak measure: the heap after GC is)`,
    "server: bench/servers/cable.ts (CableServer with default options but a raised per-socket rate limit, memory pub/sub), its own process started with --expose-gc; figures from its /stats endpoint",
  ],
};
const churn: Table = {
  title: "Soak: churn and traffic",
  headers: [
    "opened",
    "closed",
    "connect p50 ms",
    "connect p99 ms",
    "relays",
    "relays lost",
    "failed connects",
    "misdeliveries",
  ],
  rows: [
    [
      count(opened),
      count(closed),
      fixed(quantile(connectMs, 0.5), 1),
      fixed(quantile(connectMs, 0.99), 1),
      count(relays),
      count(errors.relaysLost),
      count(errors.connectFailed),
      count(errors.unexpected.length),
    ],
  ],
  notes: [
    `every second the ${Math.round(settings.connections * settings.churn)} oldest clients close and as many new ones connect and subscribe (connect = socket open → confirm_subscription), then ${settings.relaysPerSecond} directed relays between random connected clients must each reach the addressed client within ${DELIVERY_DEADLINE_MS / 1000} s`,
    "at the end every connected client relays a message to itself, proving every socket still works",
    "load generator: this process, one `ws` socket per client (bench/load/clients/cable.ts)",
  ],
};

log("");
log(renderText(memory));
log("");
log(renderText(churn));
log("");
for (const line of verdicts) log(line);
for (const line of errors.unexpected.slice(0, 10)) log(`  ${line}`);

if (settings.write) {
  const command = `node --import tsx bench/soak.ts${args.length > 0 ? ` ${args.join(" ")}` : ""}`;
  const text = [
    "# Soak results",
    "",
    "Written by `bench/soak.ts`; do not edit by hand. How to read it: `bench/README.md`, section Soak.",
    "",
    ...describeMachine(machine).map((line) => `- ${line}`),
    `- command: \`${command}\`${process.env.NETNS_RUN_INSIDE ? ", inside netns-run" : ""}, loopback only`,
    "",
    "## Verdict",
    "",
    "```",
    ...verdicts,
    "```",
    "",
    renderMarkdown(memory),
    renderMarkdown(churn),
  ].join("\n");
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/soak.md"), `${text}\n`);
  log("wrote bench/results/soak.md");
}
if (totalErrors > 0 || heapLeft > HEAP_BACK_WITHIN * heapAdded) process.exitCode = 1;
