// The newest member of a room: `members` pages already in a room, every one playing the others'
// video, then one more page, loaded and ready, enters. Ours: the demo's video room (`/rooms/ID`);
// PeerJS: Peers that call each other, then one more that gets its camera and calls them all. The
// time runs on the newcomer's clock from its Enter to every remote video playing, on both sides
// the demo room's elements (the PeerJS page shows its streams as the room does, `show`).
import type { Page } from "playwright-core";
import { waitInPage } from "../../test/support/browser.js";
import { joinMeshAt, openMeshPage } from "./mesh.js";
import type { JoinPlan } from "./page/page_common.js";
import type { PeerjsPage } from "./page/peerjs_page.js";
import type { RtcRecord } from "./recorder.js";
import { type BrowserRig, freshId, type Library, scheduleStart, type TrialPages } from "./rig.js";

/** The remote videos of a room page (ours: the demo's `#medium_<clientId>` elements; PeerJS: the same, by `show`). */
export const REMOTE_VIDEOS = "#media [id^='medium_'] video";
const DEADLINE_MS = 60_000;

/** The newcomer's times from its Enter (its own clock), in ms. */
export interface RoomEntry {
  /** Enter → every remote video playing (`videoWidth > 0`, `currentTime > 0`): the figure. */
  ms: number;
  /** Enter → its first remote video playing. */
  firstVideoMs: number;
  /** Enter → getUserMedia called. */
  askedMs: number;
  /** Enter → getUserMedia resolved. */
  cameraMs: number;
  /** Enter → its first RTCPeerConnection created: the signaling before WebRTC starts. */
  firstConnectionMs: number;
  /** Enter → a connection to every member `connected`. */
  connectedMs: number;
  /** Opening the pages and forming the room before the Enter (not part of the figure). */
  setUpMs: number;
}

/**
 * Opens `members + 1` pages (ours: room pages with their Turbo stream sources connected; PeerJS:
 * ids registered), has the members join at one instant and waits until each plays every other's
 * video, lets the room run `settleMs`, then the last page enters.
 */
export async function enterRoom(
  rig: BrowserRig,
  library: Library,
  trial: TrialPages,
  members: number,
  settleMs: number,
): Promise<RoomEntry> {
  const opened = Date.now();
  const ids = Array.from({ length: members + 1 }, (_, i) => freshId(`r${i}`));
  const room = freshId("room");
  const pages = await Promise.all(
    ids.map((id) => openMeshPage(rig, library, trial, room, { id, show: true })),
  );
  const plan = (i: number, call: string[]): JoinPlan => ({
    id: ids[i]!,
    port: rig.peerServerPort,
    media: true,
    show: true,
    call,
  });
  const memberIds = ids.slice(0, members);
  const newcomer = pages[members]!;
  const at = scheduleStart(members);
  await Promise.all(
    memberIds.map((_, i) => joinMeshAt(pages[i]!, library, at, plan(i, memberIds.slice(i + 1)))),
  );
  await Promise.all(
    memberIds.map((id, i) =>
      waitPlaying(pages[i]!, `${id}: ${members - 1} remote videos playing`, members - 1),
    ),
  );
  const setUpMs = Date.now() - opened;
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  if (library === "ours") {
    await newcomer.evaluate(
      ([selector, count]) => {
        window.__watchVideos(selector, count);
        document.querySelector<HTMLButtonElement>("[data-room-target='enter']")!.click();
      },
      [REMOTE_VIDEOS, members] as const,
    );
  } else {
    await newcomer.evaluate(
      ([selector, count, plan]) => {
        window.__watchVideos(selector, count);
        void (window.bench as PeerjsPage).joinNow(plan);
      },
      [REMOTE_VIDEOS, members, plan(members, memberIds)] as const,
    );
  }
  await waitInPage(
    newcomer,
    `${ids[members]}: ${members} remote videos playing after its Enter`,
    () => window.__rtc.videos?.playingAt != null,
    undefined,
    DEADLINE_MS,
  );
  const record: RtcRecord = await newcomer.evaluate(() => window.__rtc);
  const { startedAt, firstAt, playingAt } = record.videos!;
  // PeerJS builds a throw-away RTCPeerConnection at load to probe features: count from the Enter only.
  const connections = record.connections.filter((c) => c.createdAt >= startedAt);
  const connected = connections
    .map((c) => c.connectedAt)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  const since = (t: number | null | undefined) => (t == null ? Number.NaN : t - startedAt);
  const camera = record.media.find((m) => m.requestedAt >= startedAt);
  return {
    ms: playingAt! - startedAt,
    firstVideoMs: since(firstAt),
    askedMs: since(camera?.requestedAt),
    cameraMs: since(camera?.gotAt),
    firstConnectionMs: since(connections[0]?.createdAt),
    connectedMs: since(connected[members - 1]),
    setUpMs,
  };
}

/** Until `count` remote videos play on `page` (set-up: no time taken). */
function waitPlaying(page: Page, description: string, count: number): Promise<void> {
  return waitInPage(
    page,
    description,
    ([selector, count]) =>
      [...document.querySelectorAll<HTMLVideoElement>(selector)].filter(
        (v) => v.videoWidth > 0 && v.currentTime > 0,
      ).length >= count,
    [REMOTE_VIDEOS, count] as const,
    DEADLINE_MS,
  );
}
