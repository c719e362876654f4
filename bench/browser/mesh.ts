// A mesh of N pages, every one streaming camera and microphone to every other: ours is the demo's
// video room (`/rooms/ID`, Enter clicked on every page at one instant), PeerJS is N Peers that
// each call every later one (every id registered with PeerServer before the join, as our room pages
// hold their cable socket before Enter). Done when every page has N-1 peer connections `connected`.
import { waitInPage } from "../../test/support/browser.js";
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

/** Scheduled join → the last page with `size - 1` connections connected, in ms (and its signaling part). */
export async function joinMesh(
  rig: BrowserRig,
  library: Library,
  trial: TrialPages,
  size: number,
): Promise<JoinTime> {
  const ids = Array.from({ length: size }, (_, i) => freshId(`m${i}`));
  const room = freshId("bench");
  const open = async (id: string) => {
    const { page } = await trial.open(library === "ours" ? `/rooms/${room}` : "/bench/peerjs", id);
    if (library === "ours") {
      await waitInPage(page, `${id}: turbo stream sources connected`, () =>
        [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
      );
    } else {
      const plan = { id, port: rig.peerServerPort };
      await page.evaluate((plan) => (window.bench as PeerjsPage).register(plan), plan);
      await waitInPage(page, `${id}: registered`, () => (window.bench as PeerjsPage).openAt !== null);
    }
    return page;
  };
  const pages = await Promise.all(ids.map(open));
  const at = scheduleStart(size);
  await Promise.all(
    pages.map((page, i) =>
      library === "ours"
        ? page.evaluate((at) => {
            // No named functions in here: the transpiler would wrap them in a helper the page lacks.
            setTimeout(
              () => document.querySelector<HTMLButtonElement>("[data-room-target='enter']")!.click(),
              at - (performance.timeOrigin + performance.now()),
            );
          }, at)
        : page.evaluate(([at, plan]) => (window.bench as PeerjsPage).join(at, plan), [
            at,
            { id: ids[i]!, port: rig.peerServerPort, media: true, call: ids.slice(i + 1) },
          ] as const),
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
