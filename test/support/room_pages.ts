import type { Browser, Page } from "playwright-core";
import { openPage, type TrackedPage, waitInPage } from "./browser.js";

// Helpers of the room browser tests: a room page per member, Enter, and "remote videos playing".

export const REMOTE_VIDEOS = "#media [id^='medium_'] video";

export interface Member extends TrackedPage {
  clientId: string;
}

/**
 * Opens the room page in its own browser context and records its `p2p:*` events. `initScript`
 * (plain JavaScript) runs in the page before its own scripts.
 */
export async function openMember(
  browser: Browser,
  url: string,
  label: string,
  initScript?: string,
): Promise<Member> {
  const tracked = await openPage(browser, initScript ? "about:blank" : url, label);
  if (initScript) {
    await tracked.page.addInitScript({ content: initScript });
    await tracked.page.goto(url);
  }
  // tsx names the functions we hand to evaluate with esbuild's __name helper: give the page one.
  await tracked.page.evaluate("globalThis.__name = (fn) => fn");
  const clientId = await tracked.page.evaluate(() => {
    const w = window as unknown as { p2pEvents: string[]; room: unknown };
    w.p2pEvents = [];
    for (const name of [
      "p2p:room-entered",
      "p2p:room-left",
      "p2p:room-error",
      "p2p:medium-connected",
      "p2p:medium-disconnected",
    ]) {
      document.addEventListener(name, (event) => {
        const detail = (event as CustomEvent).detail;
        w.p2pEvents.push(`${name} ${detail.clientId ?? ""}`);
        if (name === "p2p:room-entered") w.room = detail.room;
      });
    }
    return document.querySelector<HTMLElement>("#room")!.dataset.roomClientIdValue!;
  });
  return { ...tracked, clientId };
}

export async function enter(member: Member): Promise<void> {
  await waitInPage(member.page, "both turbo stream sources connected", () =>
    [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
  );
  await member.page.click("[data-room-target='enter']");
  await waitInPage(member.page, "p2p:room-entered", () =>
    (window as unknown as { p2pEvents: string[] }).p2pEvents.some((e) => e.startsWith("p2p:room-entered")),
  );
}

/** Waits until exactly `ids`' videos are in `#media`, each with a frame, and each one's time advancing. */
export async function playing(member: Member, ids: string[], timeoutMs = 30_000): Promise<void> {
  const expected = ids.map((id) => `medium_${id}`).sort();
  await waitInPage(
    member.page,
    `remote videos ${expected.join(", ")} with frames`,
    ({ selector, expected }) => {
      const videos = [...document.querySelectorAll<HTMLVideoElement>(selector)];
      const ids = videos.map((v) => v.parentElement!.id).sort();
      return (
        JSON.stringify(ids) === JSON.stringify(expected) && videos.every((v) => v.videoWidth > 0 && !v.paused)
      );
    },
    { selector: REMOTE_VIDEOS, expected },
    timeoutMs,
  );
  const times = await member.page.evaluate(
    (selector) => [...document.querySelectorAll<HTMLVideoElement>(selector)].map((v) => v.currentTime),
    REMOTE_VIDEOS,
  );
  await waitInPage(
    member.page,
    "every remote video's currentTime to advance",
    ({ selector, times }) =>
      [...document.querySelectorAll<HTMLVideoElement>(selector)].every(
        (v, i) => v.currentTime > times[i]! + 0.2,
      ),
    { selector: REMOTE_VIDEOS, times },
    timeoutMs,
  );
}

export function others(members: Member[], self: Member): string[] {
  return members.filter((m) => m !== self).map((m) => m.clientId);
}

/** Waits until the element of `clientId` is gone from the page. */
export async function gone(page: Page, clientId: string, timeoutMs?: number): Promise<void> {
  await waitInPage(
    page,
    `#medium_${clientId} to be removed`,
    (id) => !document.getElementById(`medium_${id}`),
    clientId,
    timeoutMs,
  );
}
