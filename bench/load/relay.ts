import { Samples } from "../lib/stats.js";
import { type BenchClient, CANDIDATE_FILLER, type RelayBody } from "./client.js";
import { fetchStats, type RelayCommand, type RelayResult } from "./commands.js";
import { closeAll, connectMany, type Progress } from "./connectors.js";
import { delay, Tally } from "./tally.js";

/**
 * Closed-loop relay. Each pair (aN, bN) holds W tokens; a client that receives a token records
 * send → receive latency and sends it straight back to `from`, stamped anew. Every hop is one
 * relayed message, every socket both sends and receives, as in real signaling. Counting and
 * latency cover the measured window only; server CPU comes from its stats at the window's edges.
 */
export async function runRelay(command: RelayCommand, progress: Progress): Promise<RelayResult[]> {
  const { pairs } = command;
  const byId = new Map<string, BenchClient>();
  let sent = 0;
  const received = new Tally();
  let running = false;
  let samples: Samples | undefined;
  const deliver = (id: string) => (from: string, body: RelayBody) => {
    const now = performance.now();
    received.add();
    samples?.push(now - body.t);
    if (running) {
      sent++;
      byId.get(id)!.send(from, { t: now, k: body.k, c: body.c });
    }
  };
  const ids: string[] = [];
  for (let i = 0; i < pairs; i++) ids.push(`a${i}`, `b${i}`);
  progress(`connecting ${ids.length} clients`);
  const clients = await connectMany(
    command.kind,
    { ...command, ids, parallel: 100, until: "ready", deliver },
    progress,
  );
  for (const client of clients) byId.set(client.id, client);

  const results: RelayResult[] = [];
  try {
    for (const inFlight of command.inFlight) {
      running = true;
      for (let i = 0; i < pairs; i++) {
        for (let k = 0; k < inFlight; k++) {
          sent++;
          byId.get(`a${i}`)!.send(`b${i}`, { t: performance.now(), k, c: CANDIDATE_FILLER });
        }
      }
      progress(`W=${inFlight}: warm-up ${command.warmupMs} ms`);
      await delay(command.warmupMs);
      const before = await fetchStats(command.controlPort);
      const loadBefore = process.cpuUsage();
      const start = performance.now();
      const receivedAtStart = received.count;
      samples = new Samples();
      progress(`W=${inFlight}: measuring ${command.windowMs} ms`);
      await delay(command.windowMs);
      const window = samples;
      samples = undefined;
      const delivered = received.count - receivedAtStart;
      const seconds = (performance.now() - start) / 1000;
      const loadCpu = process.cpuUsage(loadBefore);
      const after = await fetchStats(command.controlPort);
      running = false;
      await received.until(sent, "relayed messages in flight at the window's end", 10_000);
      const { p50, p99 } = window.percentiles();
      const result = {
        inFlight,
        delivered,
        msgsPerSec: delivered / seconds,
        p50Ms: p50,
        p99Ms: p99,
        cpuUsPerMsg: (after.cpuUs - before.cpuUs) / delivered,
        serverCpuShare: (after.cpuUs - before.cpuUs) / 1e6 / seconds,
        loadCpuShare: (loadCpu.user + loadCpu.system) / 1e6 / seconds,
      };
      progress(
        `W=${inFlight}: ${Math.round(result.msgsPerSec)} msg/s, p99 ${result.p99Ms.toFixed(2)} ms, ` +
          `CPU server ${pct(result.serverCpuShare)} load generator ${pct(result.loadCpuShare)}`,
      );
      results.push(result);
    }
  } finally {
    await closeAll(clients);
  }
  return results;
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}
