// One-to-many sets of pages, ours (a session: first in is host) and PeerJS (every client connects
// to one host id), and what the figures do with them once every page is connected.
import type { Page } from "playwright-core";
import { waitInPage } from "../../test/support/browser.js";
import type { OursPage } from "./page/ours_page.js";
import type { JoinPlan } from "./page/page_common.js";
import type { PeerjsPage } from "./page/peerjs_page.js";
import { type JoinTime, slowestFirstConnection } from "./recorder.js";
import { type BrowserRig, freshId, type Library, scheduleStart, type TrialPages } from "./rig.js";

const CONNECT_DEADLINE_MS = 60_000;

/** A star whose every page is connected: which page is the host, and how long it took. */
export interface Star extends JoinTime {
  library: Library;
  pages: Page[];
  ids: string[];
  host: number;
  /** The clients' scheduled join → the last page connected (host: all its clients; client: its host), ms. */
  ms: number;
}

/**
 * Opens 1 + `clients` pages; the host joins first, then every client at one instant; waits until
 * all are connected. The host is first by construction in both: ours elects the first to join.
 */
export async function joinStar(
  rig: BrowserRig,
  library: Library,
  trial: TrialPages,
  clients: number,
): Promise<Star> {
  const ids = Array.from({ length: clients + 1 }, (_, i) => freshId(i === 0 ? "h" : `c${i}`));
  const session = freshId("bench");
  const paths = ids.map((id) =>
    library === "ours" ? `/bench/ours?name=${id}&session=${session}` : "/bench/peerjs",
  );
  const pages = (await Promise.all(paths.map((path, i) => trial.open(path, ids[i]!)))).map((t) => t.page);
  const port = rig.peerServerPort;
  const plans: JoinPlan[] = ids.map((id, i) => (i === 0 ? { id, port } : { id, port, connect: [ids[0]!] }));
  const join = (page: Page, at: number, plan: JoinPlan) =>
    page.evaluate(([at, plan]) => (window.bench as OursPage | PeerjsPage).join(at, plan), [
      at,
      plan,
    ] as const);
  // The host is there first (PeerJS: its id registered; ours: elected), then every client joins at once.
  await join(pages[0]!, scheduleStart(1), plans[0]!);
  await waitInPage(
    pages[0]!,
    `host ${ids[0]} ready`,
    (library) =>
      library === "ours"
        ? (window.bench as OursPage).connectedTimes.length > 0
        : (window.bench as PeerjsPage).openAt !== null,
    library,
  );
  const at = scheduleStart(pages.length - 1);
  await Promise.all(pages.slice(1).map((page, i) => join(page, at, plans[i + 1]!)));
  const star =
    library === "ours" ? await oursConnected(pages, ids, at) : await peerjsConnected(pages, ids, at);
  return { ...star, firstConnectionMs: await slowestFirstConnection(pages.slice(1), at) };
}

type Joined = Omit<Star, "firstConnectionMs">;

async function oursConnected(pages: Page[], ids: string[], at: number): Promise<Joined> {
  await Promise.all(
    pages.map((page, i) =>
      waitInPage(
        page,
        `${ids[i]} connected`,
        () => (window.bench as OursPage).connectedTimes.length > 0,
        undefined,
        CONNECT_DEADLINE_MS,
      ),
    ),
  );
  const hostId = await pages[0]!.evaluate(
    () => (document.querySelector("p2p-frame") as unknown as { hostPeerId: string }).hostPeerId,
  );
  const host = ids.indexOf(hostId);
  if (host < 0) throw new Error(`host "${hostId}" is none of the pages`);
  const done = await Promise.all(
    pages.map((page, i) => (i === host ? hostSawAll(page, ids, at) : firstConnectedAfter(page, at))),
  );
  return { library: "ours", pages, ids, host, ms: Math.max(...done) - at };
}

/** Waits until the host's status map lists exactly `ids`, all connected, after `after`; resolves to when. */
async function hostSawAll(page: Page, ids: string[], after: number): Promise<number> {
  const predicate = ([ids, after]: readonly [string[], number]) =>
    (window.bench as OursPage).peers.find(
      (entry) =>
        entry.at > after &&
        Object.keys(entry.states).length === ids.length &&
        ids.every((id) => entry.states[id] === "connected"),
    )?.at ?? null;
  await waitInPage(
    page,
    `host to see ${ids.length} peers connected`,
    predicate,
    [ids, after] as const,
    CONNECT_DEADLINE_MS,
  );
  return (await page.evaluate(predicate, [ids, after] as const))!;
}

async function firstConnectedAfter(page: Page, after: number): Promise<number> {
  const predicate = (after: number) =>
    (window.bench as OursPage).connectedTimes.find((t) => t > after) ?? null;
  await waitInPage(page, "page connected", predicate, after, CONNECT_DEADLINE_MS);
  return (await page.evaluate(predicate, after))!;
}

async function peerjsConnected(pages: Page[], ids: string[], at: number): Promise<Joined> {
  const expected = ids.length - 1;
  const done = await Promise.all(
    pages.map(async (page, i) => {
      const want = i === 0 ? expected : 1;
      const predicate = (want: number) => {
        const times = Object.values((window.bench as PeerjsPage).opened).sort((a, b) => a - b);
        return times.length >= want ? times[want - 1]! : null;
      };
      await waitInPage(page, `${ids[i]}: ${want} connection(s) open`, predicate, want, CONNECT_DEADLINE_MS);
      return (await page.evaluate(predicate, want))!;
    }),
  );
  return { library: "peerjs", pages, ids, host: 0, ms: Math.max(...done) - at };
}

/** `count` round trips from the first client through the host and back, one in flight (ms each). */
export function roundTrips(star: Star, count: number): Promise<number[]> {
  const client = star.pages[star.host === 0 ? 1 : 0]!;
  return client.evaluate((count) => (window.bench as OursPage | PeerjsPage).roundTrips(count), count);
}

/**
 * `count` messages of `bytes` from page `from`; resolves once every page in `to` has them all, to
 * the messages per second (first send → the last page's last arrival).
 */
export async function stream(star: Star, from: number, to: number[], count: number, bytes: number) {
  const sender = star.ids[from]!;
  await Promise.all(
    star.pages.map((page) => page.evaluate(() => (window.bench as OursPage | PeerjsPage).tally.clear())),
  );
  const startedAt = await star.pages[from]!.evaluate(
    ([count, bytes]) => (window.bench as OursPage | PeerjsPage).sendMany(count, bytes),
    [count, bytes] as const,
  );
  const arrivals = await Promise.all(
    to.map(async (index) => {
      const page = star.pages[index]!;
      const predicate = ([sender, count]: readonly [string, number]) => {
        const tally = (window.bench as OursPage | PeerjsPage).tally.get(sender);
        return tally && tally.count >= count ? tally.lastAt : null;
      };
      await waitInPage(
        page,
        `${count} messages from ${sender}`,
        predicate,
        [sender, count] as const,
        120_000,
      );
      return (await page.evaluate(predicate, [sender, count] as const))!;
    }),
  );
  const seconds = (Math.max(...arrivals) - startedAt) / 1000;
  return { perSecond: count / seconds, seconds };
}

/**
 * Closes the host's page and waits until the remaining pages are a session again: a new host whose
 * status map lists exactly them, all connected, and every client connected again. Ours only.
 * `noticedMs`: until the last page noticed (its own state left `connected`: `disconnected`, or
 * `negotiating` straight away on a `host-left`); `undefined` when `unnoticed` pages never said so.
 */
export async function recoverFromHostLoss(
  star: Star,
  contextOf: (page: Page) => Promise<void>,
): Promise<HostLossRecovery> {
  const remaining = star.pages.filter((_, i) => i !== star.host);
  const ids = star.ids.filter((_, i) => i !== star.host);
  const closedAt = Date.now();
  await contextOf(star.pages[star.host]!);
  await Promise.all(
    remaining.map((page, i) =>
      waitInPage(page, `${ids[i]} to see a host`, () => {
        const frame = document.querySelector("p2p-frame") as unknown as {
          hostPeerId: string | null;
        };
        return frame.hostPeerId !== null;
      }),
    ),
  );
  const done = await Promise.all(
    remaining.map(async (page) => {
      const iamHost = await page.evaluate(
        () => (document.querySelector("p2p-frame") as unknown as { iamHost: boolean }).iamHost,
      );
      return iamHost ? hostSawAll(page, ids, closedAt) : firstConnectedAfter(page, closedAt);
    }),
  );
  const noticed = await Promise.all(
    remaining.map((page) =>
      page.evaluate(
        (after) =>
          (window.bench as OursPage).states.find((s) => s.at > after && s.state !== "connected")?.at ?? null,
        closedAt,
      ),
    ),
  );
  return { ms: Math.max(...done) - closedAt, ...lastNoticed(noticed, closedAt) };
}

/** Recovery after the host's page closed, ms from the close. */
export interface HostLossRecovery {
  /** → a new host sees every remaining page connected, and each of them is connected. */
  ms: number;
  /** → the last remaining page noticed; `undefined` when some never did (`unnoticed` of them). */
  noticedMs: number | undefined;
  unnoticed: number;
}

/**
 * When the last page noticed, from each page's first time (null: it never left `connected`, e.g.
 * it became host before its link to the old one closed): a missing time is counted, never NaN.
 */
export function lastNoticed(
  times: (number | null)[],
  since: number,
): Pick<HostLossRecovery, "noticedMs" | "unnoticed"> {
  const known = times.filter((t): t is number => t !== null);
  const unnoticed = times.length - known.length;
  return {
    noticedMs: unnoticed > 0 || known.length === 0 ? undefined : Math.max(...known) - since,
    unnoticed,
  };
}
