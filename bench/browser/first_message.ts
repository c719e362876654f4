// A member's first message (issue 15): the host is in its session (ours: elected; PeerJS: its id
// registered), then the member's page loads and joins as it loads (`?join=now`), sending one
// message to the host as soon as its library lets it. Done when the host's page has it.
import type { Page } from "playwright-core";
import { waitInPage } from "../../test/support/browser.js";
import type { OursPage } from "./page/ours_page.js";
import type { JoinPlan } from "./page/page_common.js";
import type { PeerjsPage } from "./page/peerjs_page.js";
import { type BrowserRig, freshId, scheduleStart, type TrialPages } from "./rig.js";

const DEADLINE_MS = 60_000;
const FIRST = "first";

/** The clients of the figure: ours with the server relaying (default) or not, and PeerJS. */
export const FIRST_VARIANTS = ["cable", "channel", "peerjs"] as const;
export type FirstVariant = (typeof FIRST_VARIANTS)[number];

/** One member's first message, ms on the pages' shared clock. */
export interface FirstMessage {
  /** The member's join answered (ours: its `p2p:host`; PeerJS: its id `open`) → the host has the message. */
  fromJoinMs: number;
  /** The member's navigation start (`performance.timeOrigin`) → the host has the message. */
  fromLoadMs: number;
  /** The member's navigation start → its join answered (the start of `fromJoinMs`). */
  joinedMs: number;
  /** The member's navigation start → its message handed to the library. */
  sentMs: number;
}

/**
 * One trial of `variant`: fresh session and ids, the host page at `base` (ours; `relay: false`
 * for `channel`) or the PeerJS page, then the member's page.
 */
export async function firstMessage(
  rig: BrowserRig,
  variant: FirstVariant,
  pages: TrialPages,
  base: string,
): Promise<FirstMessage> {
  const host = freshId("h");
  const member = freshId("m");
  const session = freshId("first");
  const peerjs = variant === "peerjs";
  const port = rig.peerServerPort;
  const hostPath = peerjs ? "/bench/peerjs" : `/bench/ours?name=${host}&session=${session}`;
  const hostPage = (await pages.open(hostPath, host, base)).page;
  const plan: JoinPlan = { id: host, port };
  await hostPage.evaluate(([at, plan]) => (window.bench as OursPage | PeerjsPage).join(at, plan), [
    scheduleStart(1),
    plan,
  ] as const);
  await waitInPage(
    hostPage,
    `host ${host} ready`,
    (peerjs) =>
      peerjs
        ? (window.bench as PeerjsPage).openAt !== null
        : (window.bench as OursPage).connectedTimes.length > 0,
    peerjs,
    DEADLINE_MS,
  );
  const memberPath = peerjs
    ? `/bench/peerjs?join=now&id=${member}&port=${port}&connect=${host}&first=${FIRST}`
    : `/bench/ours?name=${member}&session=${session}&join=now&first=${FIRST}`;
  const memberPage = (await pages.open(memberPath, member, base)).page;
  const receivedAt = await arrival(hostPage, member);
  const seen = await memberPage.evaluate((peerjs) => {
    const page = window.bench as OursPage | PeerjsPage;
    const joinedAt = peerjs ? (page as PeerjsPage).openAt : (page as OursPage).hostAt;
    return { joinedAt, sentAt: page.firstSentAt, loadedAt: performance.timeOrigin };
  }, peerjs);
  if (seen.joinedAt === null || seen.sentAt === null)
    throw new Error(`member ${member}: its message arrived but the page recorded no join or send`);
  return {
    fromJoinMs: receivedAt - seen.joinedAt,
    fromLoadMs: receivedAt - seen.loadedAt,
    joinedMs: seen.joinedAt - seen.loadedAt,
    sentMs: seen.sentAt - seen.loadedAt,
  };
}

/** Waits until the host's page has the member's first message; resolves to when it arrived. */
async function arrival(page: Page, member: string): Promise<number> {
  const predicate = (member: string) =>
    (window.bench as OursPage | PeerjsPage).tally.get(member)?.lastAt ?? null;
  await waitInPage(page, `the first message of ${member} at the host`, predicate, member, DEADLINE_MS);
  return (await page.evaluate(predicate, member))!;
}
