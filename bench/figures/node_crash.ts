// Sessions over two nodes: recovery after the host's server process is killed, beside recovery after
// the host's page leaves, in the same run on the same two nodes (bench/README.md, "Node crash").
import type { Browser } from "playwright-core";
import { CHROMIUM_MISSING, findChromium, launchChromium } from "../../test/support/browser.js";
import { ChatPages, joinChat, type Recovery, waitRecovered } from "../browser/session_recovery.js";
import { startTwoNodes, type TwoNodes } from "../browser/two_nodes.js";
import type { Settings } from "../lib/settings.js";
import { median, quantile } from "../lib/stats.js";
import { fixed, type Table } from "../lib/table.js";
import type { FigureOutput, Verdict } from "./verdict.js";

const LOSSES = ["crash", "leave"] as const;
type HostLoss = (typeof LOSSES)[number];

const LABEL: Record<HostLoss, string> = {
  crash: "node crash (node B killed, host's page closed)",
  leave: "host leaves (host's page closed, both nodes up)",
};

/** The bound of test/e2e/session_node_crash.test.ts, and the aim beside it. */
const BOUND_MS = 10_000;
const AIM_MS = 5_000;

type Results = Record<HostLoss, { values: Recovery[]; errors: string[] }>;

/** The figure's tables and goal, and the Chromium it launched when the run had none open. */
export interface NodeCrashOutput extends FigureOutput {
  chromium?: string;
}

/**
 * Trials of node B killed with the host's page, interleaved with trials of the host's page closed
 * alone. Uses the run's Chromium when given one; skipped, saying why, without Chromium or
 * redis-server or when the nodes fail to start.
 */
export async function nodeCrashFigure(
  settings: Settings["nodeCrash"],
  log: (line: string) => void,
  shared?: Browser,
): Promise<NodeCrashOutput> {
  const skipped = (why: string) => {
    log(`\nnode_crash skipped:\n${why}`);
    return { tables: [], verdicts: [] };
  };
  if (!shared && !findChromium()) return skipped(CHROMIUM_MISSING);
  // The nodes run src/ through tsx: a start that fails skips the figure, not the run's other figures.
  const nodes = await startTwoNodes().catch((error: unknown) =>
    error instanceof Error ? `the two nodes did not start: ${error.message}` : String(error),
  );
  if (typeof nodes === "string") return skipped(nodes);
  let own: Browser | undefined;
  try {
    // The tests' launcher only consults its context to skip, and Chromium is there.
    own = shared ? undefined : (await launchChromium({ skip() {} } as never))!;
    const browser = shared ?? own!;
    log(`\n[node_crash] redis-server at ${nodes.redis.url}; node A ${nodes.a.url}, node B ${nodes.b.url}`);
    await runTrial(browser, nodes, "leave", settings, (text) =>
      log(`[node_crash warm-up leave] ${text} (not recorded)`),
    );
    const results: Results = { crash: { values: [], errors: [] }, leave: { values: [], errors: [] } };
    for (let trial = 1; trial <= settings.trials; trial++) {
      for (const loss of LOSSES) {
        const progress = (text: string) => log(`[node_crash ${trial}/${settings.trials} ${loss}] ${text}`);
        try {
          results[loss].values.push(await runTrial(browser, nodes, loss, settings, progress));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          progress(`FAILED: ${message}`);
          results[loss].errors.push(message.split("\n")[0]!);
        }
      }
    }
    return {
      tables: [table(settings, results)],
      verdicts: [verdict(results.crash, settings.deadlineMs)],
      ...(own ? { chromium: `Chromium ${own.version()}` } : {}),
    };
  } finally {
    await own?.close();
    await nodes.close();
  }
}

/** One trial: a fresh session, host on node B and clients on node A; the host is lost; until recovered. */
async function runTrial(
  browser: Browser,
  nodes: TwoNodes,
  loss: HostLoss,
  settings: Settings["nodeCrash"],
  progress: (text: string) => void,
): Promise<Recovery> {
  const pages = new ChatPages(browser);
  const logFrom = nodes.a.logs.length;
  try {
    const opened = Date.now();
    const { host, clients } = await joinChat(pages, nodes.b.url, nodes.a.url, settings.clients);
    progress(
      `host ${host.name} on node B, ${clients.length} clients on node A, all connected (set-up ${((Date.now() - opened) / 1000).toFixed(1)} s); ` +
        (loss === "crash" ? "SIGKILL to node B and the host's page closed" : "the host's page closed"),
    );
    const since = Date.now();
    if (loss === "crash") nodes.crashB();
    await host.context.close();
    const recovery = await waitRecovered(clients, host.name, since, settings.deadlineMs);
    progress(
      `${recovery.noticedMs === undefined ? `not noticed by ${recovery.unnoticed} of ${clients.length} survivors` : `noticed after ${recovery.noticedMs.toFixed(0)} ms`}; ${recovery.host} host after ${recovery.electedMs.toFixed(0)} ms; ` +
        `all ${clients.length} connected again ${recovery.ms.toFixed(0)} ms after the ${loss === "crash" ? "kill" : "close"}` +
        (recovery.hostState === "connected"
          ? ""
          : ` (but the new host's own state is ${recovery.hostState}: ${recovery.hostTrail.join(", ")})`),
    );
    return recovery;
  } catch (error) {
    for (const line of pages.errors.slice(0, 5)) progress(`  ${line}`);
    for (const { level, msg, time: _time, ...details } of nodes.warningsOfA(logFrom).slice(0, 5))
      progress(`  node A ${level}: ${msg} ${JSON.stringify(details)}`);
    throw error;
  } finally {
    await pages.close();
    // A fresh node B for the next trial (also when this one failed before the kill).
    if (loss === "crash") await nodes.restartB();
  }
}

function table(settings: Settings["nodeCrash"], results: Results): Table {
  const rows = LOSSES.map((loss) => {
    const { values, errors } = results[loss];
    const ms = values.map((r) => r.ms);
    const enough = ms.length >= 3;
    return [
      LABEL[loss],
      fixed(median(ms), 0),
      enough ? fixed(quantile(ms, 0.9), 0) : "–",
      fixed(ms.length > 0 ? Math.min(...ms) : undefined, 0),
      fixed(ms.length > 0 ? Math.max(...ms) : undefined, 0),
      fixed(median(values.flatMap((r) => (r.noticedMs === undefined ? [] : [r.noticedMs]))), 0),
      fixed(median(values.map((r) => r.electedMs)), 0),
      `${values.length} of ${values.length + errors.length}`,
    ];
  });
  const failures = LOSSES.filter((loss) => results[loss].errors.length > 0).map(
    (loss) =>
      `${LABEL[loss]}: ${results[loss].errors.length} trial(s) failed (the deadline is ${settings.deadlineMs / 1000} s), first: ${results[loss].errors[0]}`,
  );
  const offState = LOSSES.map(
    (loss) => [loss, results[loss].values.filter((r) => r.hostState !== "connected")] as const,
  )
    .filter(([, off]) => off.length > 0)
    .map(
      ([loss, off]) =>
        `${LABEL[loss]}: in ${off.length} recovered trial(s) the new host's own state was not \`connected\` (${off.map((r) => r.hostState).join(", ")}) though its status map was.`,
    );
  return {
    title: "Session (ours): recovery after a node crash, two server processes sharing one redis-server",
    headers: [
      "host lost by",
      "median ms",
      "p90 ms",
      "min ms",
      "max ms",
      "noticed ms (median)",
      "new host ms (median)",
      "recovered",
    ],
    rows,
    notes: [
      `Two \`p2p-streams-channel demo\` processes, node A and node B (\`--redis\` to one private redis-server, one \`--secret\`), on 127.0.0.1. Each trial a fresh session of the demo chat (\`/chat\`): the host's page on node B (elected first), then ${settings.clients} client pages on node A, all connected; every page its own Chromium context, \`iceServers: []\`.`,
      `Node crash: node B gets SIGKILL and the host's page is closed (its context, as a closed tab) at the same instant; node B is started afresh after the trial. Host leaves: only the host's page is closed. ${settings.trials} trial(s) each, interleaved crash, leave, crash, …; one leave trial first as warm-up, not recorded.`,
      "Time from the kill (or close) until every survivor is connected again to one new host: all name the same new host, a survivor told it is host, whose latest status map shows every survivor connected, and every client's own state is `connected` again. Noticed: until the last survivor's own state left `connected`; new host: until the new host's page was told so. Times are the events' as the pages recorded them (`Date.now()`, the orchestrator's clock too).",
      "Why they differ: the host's role is a lease in the session store (default 4000 ms, refreshed every 1000 ms by the host's subscription). A killed node releases nothing, so the survivors, who notice at once (the closing page closes its peer connections), get a new host only once the lease has lapsed and a refresh or a join on node A notices it (docs/protocol.md: within leaseMs + leaseMs / 4 plus one negotiation). A page that leaves unsubscribes from node B, which hands the role over at once (`host-left`).",
      ...failures,
      ...offState,
    ],
  };
}

function verdict(crash: Results["crash"], deadlineMs: number): Verdict {
  const goal = `a session survives a node crash: survivors connected again within ${BOUND_MS / 1000} s in every trial (aim ${AIM_MS / 1000} s)`;
  const ms = crash.values.map((r) => r.ms);
  const trials = ms.length + crash.errors.length;
  if (trials === 0) return { goal, met: undefined, detail: "not measured" };
  const failed =
    crash.errors.length > 0
      ? `; ${crash.errors.length} of ${trials} not recovered within ${deadlineMs / 1000} s`
      : "";
  if (ms.length === 0) return { goal, met: false, detail: `no trial recovered${failed}` };
  const m = median(ms);
  return {
    goal,
    met: crash.errors.length === 0 && Math.max(...ms) <= BOUND_MS,
    detail: `median ${(m / 1000).toFixed(2)} s, max ${(Math.max(...ms) / 1000).toFixed(2)} s over ${ms.length} recovered trial(s)${failed}`,
  };
}
