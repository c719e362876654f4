import { CANDIDATE_FILLER, type RelayBody } from "./client.js";
import { type FanoutCommand, type FanoutResult, fetchStats } from "./commands.js";
import { closeAll, connectMany, type Progress } from "./connectors.js";
import { Tally } from "./tally.js";

const FANOUT_ID = "fanout";
const WARMUP_BROADCASTS = 10;

/**
 * Fan-out: `subscribers` clients all named `fanout` (one stream / room / id set), one sender.
 * After a short warm-up, the sender sends every broadcast back to back; the figure is the time
 * until every subscriber got every one. Each broadcast's completion time (send → last arrival)
 * gives p50/p99.
 */
export async function runFanout(command: FanoutCommand, progress: Progress): Promise<FanoutResult> {
  const { subscribers, broadcasts } = command;
  const arrivals = new Tally();
  let lastArrival = new Float64Array(0);
  let remaining = new Int32Array(0);
  let base = 0;
  const subscriberDeliver = () => (_from: string, body: RelayBody) => {
    const index = body.k - base;
    if (index >= 0 && --remaining[index]! === 0) lastArrival[index] = performance.now() - body.t;
    arrivals.add();
  };
  progress(`connecting ${subscribers} subscribers`);
  const ids = Array.from({ length: subscribers }, () => FANOUT_ID);
  const clients = await connectMany(
    command.kind,
    { ...command, ids, parallel: 100, until: "ready", deliver: subscriberDeliver },
    progress,
  );
  const [sender] = await connectMany(command.kind, {
    ...command,
    ids: ["fanout-sender"],
    parallel: 1,
    until: "ready",
    deliver: () => () => {},
  });
  clients.push(sender!);
  try {
    const burst = async (count: number, first: number): Promise<number> => {
      base = first;
      remaining = new Int32Array(count).fill(subscribers);
      lastArrival = new Float64Array(count);
      const target = arrivals.count + count * subscribers;
      const start = performance.now();
      for (let k = first; k < first + count; k++)
        sender!.send(FANOUT_ID, { t: performance.now(), k, c: CANDIDATE_FILLER });
      await arrivals.until(target, "fan-out deliveries", 60_000);
      return (performance.now() - start) / 1000;
    };
    progress(`warm-up: ${WARMUP_BROADCASTS} broadcasts`);
    await burst(WARMUP_BROADCASTS, 0);
    progress(`measuring: ${broadcasts} broadcasts to ${subscribers}`);
    const before = await fetchStats(command.controlPort);
    const seconds = await burst(broadcasts, WARMUP_BROADCASTS);
    const after = await fetchStats(command.controlPort);
    const delivered = broadcasts * subscribers;
    const completion = lastArrival.sort();
    const at = (q: number) => completion[Math.min(completion.length - 1, Math.floor(q * completion.length))]!;
    return {
      delivered,
      seconds,
      deliveredPerSec: delivered / seconds,
      completeP50Ms: at(0.5),
      completeP99Ms: at(0.99),
      cpuUsPerMsg: (after.cpuUs - before.cpuUs) / delivered,
    };
  } finally {
    await closeAll(clients);
  }
}
