// A mesh of N pages, every one streaming camera and microphone to every other: ours is the demo's
// video room (`/rooms/ID`, Enter clicked on every page at one instant), PeerJS is N Peers that
// each call every later one (every id registered with PeerServer before the join, as our room pages
// hold their cable socket before Enter). Both show every stream, local and remote, as the room does:
// on this machine playing the videos costs more CPU than anything else in the figure, and a PeerJS
// page showing none connected twice as fast. Done when every page has N-1 peer connections `connected`.
import type { Page } from "playwright-core";
import { waitInPage } from "../../test/support/browser.js";
import type { JoinPlan } from "./page/page_common.js";
import type { PeerjsPage } from "./page/peerjs_page.js";
import {
  type JoinTime,
  nthConnected,
  type RtcRecord,
  slowestFirstConnection,
  slowestLastConnection,
} from "./recorder.js";
import { type BrowserRig, freshId, type Library, scheduleStart, type TrialPages } from "./rig.js";

const DEADLINE_MS = 90_000;

/**
 * One page of a mesh, ready to join: ours the room page `/rooms/<room>` with its Turbo stream
 * sources connected (as a member's page is before Enter); PeerJS the bench page with `plan.id`
 * registered with PeerServer.
 */
export async function openMeshPage(
  rig: BrowserRig,
  library: Library,
  trial: TrialPages,
  room: string,
  plan: JoinPlan,
): Promise<Page> {
  const { id } = plan;
  const { page } = await trial.open(library === "ours" ? `/rooms/${room}` : "/bench/peerjs", id);
  if (library === "ours") {
    await waitInPage(page, `${id}: turbo stream sources connected`, () =>
      [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
    );
  } else {
    await page.evaluate((plan) => (window.bench as PeerjsPage).register(plan), {
      ...plan,
      port: rig.peerServerPort,
    });
    await waitInPage(page, `${id}: registered`, () => (window.bench as PeerjsPage).openAt !== null);
  }
  return page;
}

/** At the epoch-ms instant `at`: ours clicks Enter; PeerJS gets its media and calls `plan.call`. */
export async function joinMeshAt(page: Page, library: Library, at: number, plan: JoinPlan): Promise<void> {
  if (library === "ours") {
    await page.evaluate((at) => {
      // No named functions in here: the transpiler would wrap them in a helper the page lacks.
      setTimeout(
        () => document.querySelector<HTMLButtonElement>("[data-room-target='enter']")!.click(),
        at - (performance.timeOrigin + performance.now()),
      );
    }, at);
  } else {
    await page.evaluate(([at, plan]) => (window.bench as PeerjsPage).join(at, plan), [at, plan] as const);
  }
}

/** Scheduled join → the last page with `size - 1` connections connected, in ms (and its signaling part). */
export async function joinMesh(
  rig: BrowserRig,
  library: Library,
  trial: TrialPages,
  size: number,
): Promise<JoinTime> {
  const ids = Array.from({ length: size }, (_, i) => freshId(`m${i}`));
  const room = freshId("bench");
  const pages = await Promise.all(
    ids.map((id) => openMeshPage(rig, library, trial, room, { id, show: true })),
  );
  const at = scheduleStart(size);
  await Promise.all(
    pages.map((page, i) =>
      joinMeshAt(page, library, at, {
        id: ids[i]!,
        port: rig.peerServerPort,
        media: true,
        show: true,
        call: ids.slice(i + 1),
      }),
    ),
  );
  const done = await Promise.all(
    pages.map(async (page, i) => {
      await waitInPage(
        page,
        `${ids[i]}: ${size - 1} peer connections connected`,
        (want) => window.__rtc.connections.filter((c) => c.connectedAt !== null).length >= want,
        size - 1,
        DEADLINE_MS,
      );
      const record: RtcRecord = await page.evaluate(() => window.__rtc);
      return nthConnected(record, size - 1)!;
    }),
  );
  return {
    ms: Math.max(...done) - at,
    firstConnectionMs: await slowestFirstConnection(pages, at),
    lastConnectionMs: await slowestLastConnection(pages, at),
  };
}
