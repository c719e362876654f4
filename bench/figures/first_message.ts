// The first-message figure (issue 15, "never unreachable"): how long a joining member waits before
// the host has its first message. Ours sends it through the cable at once and moves to the data
// channel when it opens; with `relay: false` (a second demo process) and with PeerJS the message
// waits for the data channel. Trials of the three interleaved, in the rig's Chromium.
import {
  FIRST_VARIANTS,
  type FirstMessage,
  type FirstVariant,
  firstMessage,
} from "../browser/first_message.js";
import { type BrowserRig, TrialPages } from "../browser/rig.js";
import { startServer } from "../lib/children.js";
import type { Settings } from "../lib/settings.js";
import { spread } from "../lib/stats.js";
import { fixed, ratio, type Table } from "../lib/table.js";
import type { FigureOutput, Verdict } from "./verdict.js";

const GOAL =
  "first message: ours (cable first) join → host has it ≤ PeerJS (first message on its data channel's open)";

interface Outcome {
  values: FirstMessage[];
  errors: string[];
}

/** Ours cable first, ours `relay: false`, PeerJS: `settings.trials` each, interleaved, one warm-up each first. */
export async function firstMessageFigure(
  rig: BrowserRig,
  settings: Settings["first"],
): Promise<FigureOutput> {
  const channelOnly = await startServer(rig.root, "demo", undefined, ["--no-relay"]);
  const variants = FIRST_VARIANTS.filter((v) => v !== "peerjs" || rig.libraries.includes("peerjs"));
  const base = (variant: FirstVariant) =>
    variant === "channel" ? `http://127.0.0.1:${channelOnly.port}` : rig.base;
  const results = new Map<FirstVariant, Outcome>(variants.map((v) => [v, { values: [], errors: [] }]));
  try {
    for (let trial = 0; trial <= settings.trials; trial++) {
      for (const variant of variants) {
        // Trial 0 warms up the second demo app and the member pages' scripts: not recorded.
        const name = trial === 0 ? "warm-up" : `${trial}/${settings.trials}`;
        const progress = (text: string) => rig.log(`[first ${name} ${LABELS[variant]}] ${text}`);
        const pages = new TrialPages(rig);
        try {
          const result = await firstMessage(rig, variant, pages, base(variant));
          progress(
            `host has it ${result.fromJoinMs.toFixed(1)} ms after the member's join, ${result.fromLoadMs.toFixed(1)} ms after its page load (joined at ${result.joinedMs.toFixed(0)} ms, sent at ${result.sentMs.toFixed(0)} ms)${trial === 0 ? " (not recorded)" : ""}`,
          );
          if (trial > 0) results.get(variant)!.values.push(result);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          progress(`FAILED: ${message}`);
          for (const line of pages.errors.slice(0, 5)) progress(`  ${line}`);
          if (trial > 0) results.get(variant)!.errors.push(message.split("\n")[0]!);
        } finally {
          await pages.close();
        }
      }
    }
  } finally {
    await channelOnly.stop();
  }
  return { tables: [table(rig, settings, results)], verdicts: [verdict(results)] };
}

const LABELS: Record<FirstVariant, string> = {
  cable: "ours",
  channel: "ours relay: false",
  peerjs: "PeerJS",
};

function rowLabel(rig: BrowserRig, variant: FirstVariant): string {
  if (variant === "peerjs") return `${rig.label("peerjs")}, on the data channel's open`;
  return variant === "cable"
    ? "ours, cable first (default: relayed until the data channel opens)"
    : "ours, relay: false (waits for the data channel)";
}

const medianOf = (outcome: Outcome | undefined, pick: (t: FirstMessage) => number) =>
  outcome && outcome.values.length > 0 ? spread(outcome.values.map(pick)).median : undefined;

function table(rig: BrowserRig, settings: Settings["first"], results: Map<FirstVariant, Outcome>): Table {
  const peerjs = results.get("peerjs");
  const join = (t: FirstMessage) => t.fromJoinMs;
  const load = (t: FirstMessage) => t.fromLoadMs;
  return {
    title: "Browser: a joining member's first message, join → the host has it",
    headers: [
      "client",
      "from join: median ms",
      "p95 ms",
      "min–max ms",
      "vs PeerJS",
      "from page load: median ms",
      "p95 ms",
      "vs PeerJS",
      "load → join ms",
      "load → sent ms",
      "trials",
    ],
    rows: [...results].map(([variant, outcome]) => {
      const fromJoin = spread(outcome.values.map(join));
      const fromLoad = spread(outcome.values.map(load));
      const joins = outcome.values.map(join);
      return [
        rowLabel(rig, variant),
        fixed(fromJoin.median, 1),
        fixed(fromJoin.p95, 1),
        joins.length > 0 ? `${Math.min(...joins).toFixed(1)}–${Math.max(...joins).toFixed(1)}` : "–",
        ratio(fromJoin.median, medianOf(peerjs, join)),
        fixed(fromLoad.median, 1),
        fixed(fromLoad.p95, 1),
        ratio(fromLoad.median, medianOf(peerjs, load)),
        fixed(
          medianOf(outcome, (t) => t.joinedMs),
          1,
        ),
        fixed(
          medianOf(outcome, (t) => t.sentMs),
          1,
        ),
        `${outcome.values.length} of ${outcome.values.length + outcome.errors.length}`,
      ];
    }),
    notes: [
      `${settings.trials} trial(s) per client, interleaved, after one warm-up trial each (not recorded); fresh pages, session and ids each. The host joins first and is ready (ours: elected, connected; PeerJS: its id registered, \`open\`); then the member's page loads and joins as it loads, sending one message to the host as soon as its library lets it: ours calls \`send\` right after inserting \`<p2p-frame>\` (the session holds it until it can go), PeerJS sends on its DataConnection's \`open\` (its docs: nothing can be sent before).`,
      "From join: from the member's join being answered to the host's page receiving the message. Ours: the member's `p2p:host` (its `join` answered with `ready`, the host named); PeerJS: the member's `open` (PeerServer confirmed its id; it calls `connect` to the host then). Both are the moment the server has accepted the member; before it ours has opened the cable, subscribed and joined (three round trips), PeerJS has opened its socket (one).",
      "From page load: from the member page's navigation start (`performance.timeOrigin`) to the host's receipt: includes loading the page and its scripts (PeerJS: `peerjs.min.js` and the bench script; ours: the bench bundle), opening the signaling socket and the join. Beside it, medians of its parts on the member's page: load → join (its join answered, as above) and load → sent (ours: `send` called, right after the element was inserted; PeerJS: the message sent on its channel's `open`). Every time on the pages' shared clock (`performance.timeOrigin + performance.now()`).",
      "Ours relay: false runs on a second demo app process started with `relay: false` (the server refuses `relay`, members wait for their data channel): the behaviour before issue 15, and what PeerJS does.",
      ...[...results]
        .filter(([, { errors }]) => errors.length > 0)
        .map(([variant, { errors }]) => `${LABELS[variant]}: ${errors.length} trial(s) failed: ${errors[0]}`),
    ],
  };
}

function verdict(results: Map<FirstVariant, Outcome>): Verdict {
  const join = (t: FirstMessage) => t.fromJoinMs;
  const ours = medianOf(results.get("cable"), join);
  const theirs = medianOf(results.get("peerjs"), join);
  if (ours === undefined || theirs === undefined)
    return { goal: GOAL, met: undefined, detail: "not measured (ours or PeerJS missing or failed)" };
  const load = (variant: FirstVariant) =>
    fixed(
      medianOf(results.get(variant), (t) => t.fromLoadMs),
      1,
    );
  return {
    goal: GOAL,
    met: ours <= theirs,
    detail:
      `${ours.toFixed(1)} vs ${theirs.toFixed(1)} ms median (${(ours / theirs).toFixed(2)}x PeerJS); ` +
      `relay: false ${fixed(medianOf(results.get("channel"), join), 1)} ms; from page load ${load("cable")} vs ${load("peerjs")} ms`,
  };
}
