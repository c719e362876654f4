import type { ServerKind } from "../kinds.js";
import type { Table } from "../lib/table.js";

/** One goal of the issues, checked against this run's medians. */
export interface Verdict {
  goal: string;
  /** Undefined when a server needed for the check is missing or failed. */
  met: boolean | undefined;
  detail: string;
}

/** What a figure hands back: its tables and its goal checks. */
export interface FigureOutput {
  tables: Table[];
  verdicts: Verdict[];
}

/**
 * "ours / ceiling ≥ floor" (higher is better) or "ours / ceiling ≤ ceilingRatio" (lower is better),
 * and "ahead of each baseline". `values` holds the medians per server.
 */
export function compareGoal(
  goal: string,
  values: Partial<Record<ServerKind, number>>,
  rule: { higherIsBetter: boolean; ratioToRaw: number },
  unit: string,
): Verdict[] {
  const ours = values.cable;
  const raw = values.raw_ws;
  const verdicts: Verdict[] = [];
  if (ours === undefined || raw === undefined || Number.isNaN(ours) || Number.isNaN(raw)) {
    verdicts.push({ goal, met: undefined, detail: "not measured (cable or raw ws missing or failed)" });
  } else {
    const r = ours / raw;
    const met = rule.higherIsBetter ? r >= rule.ratioToRaw : r <= rule.ratioToRaw;
    const sign = rule.higherIsBetter ? "≥" : "≤";
    verdicts.push({
      goal,
      met,
      detail: `${r.toFixed(2)}x raw ws (goal ${sign} ${rule.ratioToRaw}x): ${fmt(ours)} vs ${fmt(raw)} ${unit}`,
    });
  }
  for (const baseline of ["peerserver", "socketio"] as const) {
    const theirs = values[baseline];
    const label = `${goal}: ahead of ${baseline === "peerserver" ? "PeerServer" : "Socket.IO"}`;
    if (ours === undefined || theirs === undefined || Number.isNaN(ours) || Number.isNaN(theirs)) {
      verdicts.push({ goal: label, met: undefined, detail: "not measured" });
      continue;
    }
    const met = rule.higherIsBetter ? ours > theirs : ours < theirs;
    verdicts.push({ goal: label, met, detail: `${fmt(ours)} vs ${fmt(theirs)} ${unit}` });
  }
  return verdicts;
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2);
}

/** "met" / "NOT met" / "not measured" lines for the terminal and RESULTS.md. */
export function renderVerdicts(verdicts: Verdict[]): string[] {
  return verdicts.map(
    (v) => `${v.met === undefined ? "n/a    " : v.met ? "met    " : "NOT met"}  ${v.goal}: ${v.detail}`,
  );
}
