import type { BenchClient } from "./client.js";
import type { AcceptCommand, AcceptResult, IdleCommand, IdleResult } from "./commands.js";
import { fetchStats } from "./commands.js";
import { closeAll, connectMany, type Progress } from "./connectors.js";

const idle: BenchClient[] = [];
const ignore = () => () => {};

/**
 * Memory figure: grows the crowd of idle clients to `total`, each as a real idle client is
 * (subscribed on the cable, heart-beating on PeerServer). They stay connected until `release`.
 */
export async function runIdle(command: IdleCommand, progress: Progress): Promise<IdleResult> {
  const ids = Array.from({ length: command.total - idle.length }, (_, i) => `idle${idle.length + i}`);
  const more = await connectMany(
    command.kind,
    { ...command, ids, until: "ready", deliver: ignore },
    progress,
  );
  idle.push(...more);
  return { connected: idle.length };
}

/** Closes every idle client. */
export async function releaseIdle(): Promise<void> {
  await closeAll(idle.splice(0));
}

/**
 * Accept rate: `connections` connections with `parallel` handshakes in flight, each counted
 * when the server has accepted it (cable `welcome`, PeerServer `OPEN`, Socket.IO `connect`,
 * ws `open`); then all are closed. Server CPU per accepted connection comes with it.
 */
export async function runAccept(command: AcceptCommand, progress: Progress): Promise<AcceptResult> {
  const ids = Array.from({ length: command.connections }, (_, i) => `accept${i}`);
  const before = await fetchStats(command.controlPort);
  const start = performance.now();
  const clients = await connectMany(
    command.kind,
    { ...command, ids, until: "accepted", deliver: ignore },
    progress,
  );
  const seconds = (performance.now() - start) / 1000;
  const after = await fetchStats(command.controlPort);
  await closeAll(clients);
  return {
    connections: clients.length,
    perSec: clients.length / seconds,
    cpuUsPerConnection: (after.cpuUs - before.cpuUs) / clients.length,
  };
}
