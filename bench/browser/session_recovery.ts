// A demo chat session spread over two nodes, and its recovery once its host is gone, read from the
// events every page recorded (test/support/session_pages.ts: `window.__p2p`, each event's `at` the
// page's `Date.now()`, the clock the orchestrator reads too).
import { setTimeout as delay } from "node:timers/promises";
import type { Browser } from "playwright-core";
import { waitInPage } from "../../test/support/browser.js";
import { allConnected, openPeer, type PeerPage } from "../../test/support/session_pages.js";
import { RECORDER } from "./recorder.js";
import { freshId } from "./rig.js";
import { lastNoticed } from "./star.js";

const SETUP_DEADLINE_MS = 30_000;
/** How often the orchestrator reads the pages' records; it never enters a figure (times are the events'). */
const POLL_MS = 100;

/** The pages of one trial, each in its own browser context; `close` closes whatever is still open. */
export class ChatPages {
  readonly #browser: Browser;
  readonly #pages: PeerPage[] = [];

  constructor(browser: Browser) {
    this.#browser = browser;
  }

  /** The demo chat at `base` as `name`, with the session recorder and the bench's RTC recorder (`iceServers: []`). */
  async open(base: string, name: string, session: string): Promise<PeerPage> {
    const url = `${base}/chat?name=${encodeURIComponent(name)}&session=${encodeURIComponent(session)}`;
    const peer = await openPeer(this.#browser, url, name, RECORDER);
    this.#pages.push(peer);
    return peer;
  }

  get errors(): string[] {
    return this.#pages.flatMap((p) => p.errors);
  }

  async close(): Promise<void> {
    await Promise.all(this.#pages.splice(0).map((p) => p.context.close().catch(() => undefined)));
  }
}

/** One connected session: the host and its clients, every page's status map showing all connected. */
export interface ChatSession {
  host: PeerPage;
  clients: PeerPage[];
}

/** The host's page on `hostBase` (waits until elected), then `clients` pages on `clientBase`, all connected. */
export async function joinChat(
  pages: ChatPages,
  hostBase: string,
  clientBase: string,
  clients: number,
): Promise<ChatSession> {
  const session = freshId("session");
  const host = await pages.open(hostBase, freshId("h"), session);
  await waitInPage(
    host.page,
    `${host.name} to be elected host`,
    () => window.__p2p.some((e) => e.name === "p2p:host" && e.detail.iamHost === true),
    undefined,
    SETUP_DEADLINE_MS,
  );
  const names = Array.from({ length: clients }, (_, i) => freshId(`c${i + 1}`));
  const joined = await Promise.all(names.map((name) => pages.open(clientBase, name, session)));
  const everyone = [host.name, ...names];
  await Promise.all([host, ...joined].map((peer) => allConnected(peer, everyone, 0, SETUP_DEADLINE_MS)));
  return { host, clients: joined };
}

/** From the host's loss (kill or close) on, in ms. */
export interface Recovery {
  /** → every survivor connected again to one new host: its status map all `connected`, every page's own state `connected`. */
  ms: number;
  /** → the last survivor noticed: its own state left `connected`; `undefined` when `unnoticed` never did. */
  noticedMs: number | undefined;
  unnoticed: number;
  /** → the new host's page was told it is host. */
  electedMs: number;
  host: string;
  /** The new host page's own state when the session was whole again: `connected`, unless something is off. */
  hostState: string;
  /** What the new host's page went through since the loss (`+41 negotiating`, `+200 host c1`, …). */
  hostTrail: string[];
}

/** What one page recorded at or after the loss, as `settle` reads it. */
interface Digest {
  host: { id: string; iamHost: boolean; at: number } | null;
  state: { name: string; at: number } | null;
  noticedAt: number | null;
  maps: { at: number; states: Record<string, string> }[];
  /** The page's own states and hosts since the loss, for a failure's diagnosis: `+41 negotiating`, `+200 host c1`. */
  trail: string[];
}

/** Runs in the page: no helpers of the orchestrator's transpiler, only inline arrow functions. */
const digest = (since: number): Digest => {
  const events = window.__p2p.filter((e) => e.at >= since);
  const states = events.filter((e) =>
    ["p2p:negotiating", "p2p:connecting", "p2p:connected", "p2p:disconnected", "p2p:closed"].includes(e.name),
  );
  const host = events.filter((e) => e.name === "p2p:host").at(-1);
  const state = states.at(-1);
  return {
    host: host
      ? { id: String(host.detail.hostPeerId), iamHost: host.detail.iamHost === true, at: host.at }
      : null,
    state: state ? { name: state.name, at: state.at } : null,
    noticedAt: states.find((e) => e.name !== "p2p:connected")?.at ?? null,
    maps: events
      .filter((e) => e.name === "p2p:peers")
      .map((e) => ({ at: e.at, states: e.detail as Record<string, string> })),
    trail: events
      .filter((e) => e.name === "p2p:host" || states.includes(e))
      .map(
        (e) => `+${e.at - since} ${e.name === "p2p:host" ? `host ${e.detail.hostPeerId}` : e.name.slice(4)}`,
      ),
  };
};

/**
 * Polls the survivors' records until they are one session again without `gone`: every page names
 * one new host (a survivor, told it is host), that host's latest status map shows every survivor
 * `connected`, and every client's own latest state is `connected`. Throws, saying what is missing
 * and what each page went through, when that takes longer than `deadlineMs` from `since`.
 */
export async function waitRecovered(
  survivors: PeerPage[],
  gone: string,
  since: number,
  deadlineMs: number,
): Promise<Recovery> {
  const names = survivors.map((p) => p.name);
  for (;;) {
    const digests = await Promise.all(survivors.map((p) => p.page.evaluate(digest, since)));
    const result = settle(names, gone, digests);
    if (typeof result !== "string") {
      return {
        ms: result.doneAt - since,
        ...lastNoticed(
          digests.map((d) => d.noticedAt),
          since,
        ),
        electedMs: result.electedAt - since,
        host: result.host,
        hostState: result.hostState,
        hostTrail: digests[names.indexOf(result.host)]!.trail,
      };
    }
    if (Date.now() - since > deadlineMs) {
      const trails = names.map((name, i) => `${name}: ${digests[i]!.trail.slice(-12).join(", ") || "none"}`);
      throw new Error(
        `not recovered within ${deadlineMs / 1000} s: ${result}\nsince the loss, ms: ${trails.join("; ")}`,
      );
    }
    await delay(POLL_MS);
  }
}

/** When the survivors became one session again, or what is still missing. */
function settle(
  names: string[],
  gone: string,
  digests: Digest[],
): { doneAt: number; electedAt: number; host: string; hostState: string } | string {
  const describe = (i: number) =>
    `${names[i]}: host ${digests[i]!.host?.id ?? `still ${gone}`}, state ${digests[i]!.state?.name.slice(4) ?? "connected (no change)"}`;
  const everyone = names.map((_, i) => describe(i)).join("; ");
  const hosts = new Set(digests.map((d) => d.host?.id));
  if (hosts.size !== 1 || hosts.has(undefined)) return `no single new host (${everyone})`;
  const host = digests[0]!.host!.id;
  const index = names.indexOf(host);
  if (index < 0) return `host "${host}" is none of the survivors (${everyone})`;
  const elected = digests[index]!.host!;
  if (!elected.iamHost) return `${host} was not told it is host (${everyone})`;
  const maps = digests[index]!.maps;
  const clients = digests.filter((_, i) => i !== index);
  if (clients.some((d) => d.state?.name !== "p2p:connected"))
    return `not all clients connected (${everyone}; host's status map ${JSON.stringify(maps.at(-1)?.states ?? {})})`;
  const all = (map: { states: Record<string, string> } | undefined) =>
    map !== undefined && names.every((name) => map.states[name] === "connected");
  if (!all(maps.at(-1))) return `host ${host}'s status map: ${JSON.stringify(maps.at(-1)?.states ?? {})}`;
  // Since when the host's map has shown everyone connected: the first of the last run of such maps.
  let from = maps.length - 1;
  while (from > 0 && all(maps[from - 1])) from--;
  const doneAt = Math.max(
    maps[from]!.at,
    ...clients.map((d) => d.state!.at),
    ...digests.map((d) => d.host!.at),
  );
  const hostState = digests[index]!.state?.name.slice(4) ?? "none since the loss";
  return { doneAt, electedAt: elected.at, host, hostState };
}
