import type { Browser } from "playwright-core";
import { openPage, type TrackedPage, waitInPage } from "./browser.js";

/** Every DOM event `<p2p-frame>` dispatches. */
export const P2P_EVENTS = [
  "p2p:negotiating",
  "p2p:connecting",
  "p2p:connected",
  "p2p:relayed",
  "p2p:disconnected",
  "p2p:closed",
  "p2p:error",
  "p2p:message",
  "p2p:peers",
  "p2p:host",
  "p2p:stream",
] as const;

/** One recorded event: name, wall-clock time, and a serialisable digest of its detail. */
export interface Recorded {
  name: string;
  at: number;
  detail: Record<string, unknown>;
}

export interface PeerPage extends TrackedPage {
  name: string;
}

declare global {
  interface Window {
    __p2p: Recorded[];
    __loadedAt: number;
  }
}

/**
 * Runs in the page before any of its scripts: records every `p2p:*` event in `window.__p2p`.
 * Binary data is digested (kind, length, whether every byte matches the test pattern
 * `(i * 31 + 7) % 251`). Plain JavaScript in a string: the test's transpiler adds helpers to
 * functions that do not exist in the page.
 */
const RECORDER = `(() => {
  window.__p2p = [];
  window.__loadedAt = Date.now();
  const digest = (data) => {
    if (data instanceof Uint8Array) {
      let intact = true;
      for (let i = 0; i < data.length; i++) if (data[i] !== (i * 31 + 7) % 251) { intact = false; break; }
      return { kind: "Uint8Array", length: data.length, intact };
    }
    return { kind: typeof data, value: data };
  };
  for (const name of ${JSON.stringify(P2P_EVENTS)}) {
    document.addEventListener(name, (event) => {
      const detail = event.detail || {};
      let digested = detail;
      if (name === "p2p:stream") digested = { peerId: detail.peerId };
      if (name === "p2p:error") digested = { reason: detail.reason, message: detail.message };
      if (name === "p2p:message") digested = { type: detail.type, senderId: detail.senderId, ...digest(detail.data) };
      window.__p2p.push({ name, at: Date.now(), detail: digested });
    });
  }
})();`;

/**
 * Opens the chat for `name` in its own browser context, recording its `p2p:*` events.
 * `initScript` (plain JavaScript) runs in the page after the recorder, before the page's own scripts.
 */
export async function openPeer(
  browser: Browser,
  url: string,
  name: string,
  initScript?: string,
): Promise<PeerPage> {
  const tracked = await openPage(browser, "about:blank", name);
  await tracked.page.addInitScript({ content: RECORDER });
  if (initScript) await tracked.page.addInitScript({ content: initScript });
  await tracked.page.goto(url);
  return { ...tracked, name };
}

/**
 * Waits until the page's latest status map shows each of `names` `connected`. With `since`, that
 * map must have arrived at or after it (so a map from before a failover does not count).
 */
export function allConnected(peer: PeerPage, names: string[], since = 0, timeoutMs?: number): Promise<void> {
  return waitInPage(
    peer.page,
    `${peer.name} to see ${names.join(", ")} all connected`,
    ([expected, at]: [string[], number]) => {
      const maps = window.__p2p.filter((e) => e.name === "p2p:peers");
      const latest = maps.at(-1);
      if (!latest || latest.at < at) return false;
      const last = latest.detail as Record<string, string>;
      return expected.every((n) => last[n] === "connected");
    },
    [names, since] as [string[], number],
    timeoutMs,
  );
}

/** Waits until `peer` has received a `Data` message from `from` whose value is `text`. */
export function received(peer: PeerPage, from: string, text: string, timeoutMs?: number): Promise<void> {
  return waitInPage(
    peer.page,
    `${peer.name} to receive "${text}" from ${from}`,
    ([sender, value]: string[]) =>
      window.__p2p.some(
        (e) =>
          e.name === "p2p:message" &&
          e.detail.type === "Data" &&
          e.detail.senderId === sender &&
          e.detail.value === value,
      ),
    [from, text],
    timeoutMs,
  );
}

/** Every `Data` message the page received, in order: `sender:text`, or `sender:<kind length intact>`. */
export function dataLog(peer: PeerPage): Promise<string[]> {
  return peer.page.evaluate(() =>
    window.__p2p
      .filter((e) => e.name === "p2p:message" && e.detail.type === "Data")
      .map((e) =>
        e.detail.kind === "Uint8Array"
          ? `${e.detail.senderId}:<${e.detail.length} ${e.detail.intact ? "intact" : "corrupt"}>`
          : `${e.detail.senderId}:${String(e.detail.value)}`,
      ),
  );
}

/** Sends through the page's `<p2p-frame>` API. */
export function sendText(peer: PeerPage, text: string): Promise<void> {
  return peer.page.evaluate((value) => {
    const frame = document.querySelector("p2p-frame") as unknown as { send(data: unknown): Promise<void> };
    return frame.send(value);
  }, text);
}

/** A time and a peer name, handed into the page. */
type Since = [at: number, name: string];

/** Waits until `find` (run in the page) returns a time, and resolves with that time. */
async function seen(
  peer: PeerPage,
  description: string,
  find: (args: Since) => number | undefined,
  args: Since,
  timeoutMs?: number,
): Promise<number> {
  await waitInPage(peer.page, description, find, args, timeoutMs);
  return (await peer.page.evaluate(find, args))!;
}

/**
 * Waits until `peer` has seen, at or after `since`, a status map marking `gone` disconnected, and
 * resolves with when it saw it (`Date.now()` in the page).
 */
export function seenDisconnected(peer: PeerPage, gone: string, since: number, timeoutMs?: number) {
  return seen(
    peer,
    `${peer.name} to see ${gone} disconnected`,
    ([at, name]) =>
      window.__p2p.find((e) => e.name === "p2p:peers" && e.at >= at && e.detail[name] === "disconnected")?.at,
    [since, gone],
    timeoutMs,
  );
}

/**
 * Waits until `peer` has been told, at or after `since`, of a host other than `gone`, and resolves
 * with when it was told (`Date.now()` in the page).
 */
export function seenNewHost(peer: PeerPage, gone: string, since: number, timeoutMs?: number) {
  return seen(
    peer,
    `${peer.name} to see a host other than ${gone}`,
    ([at, name]) =>
      window.__p2p.find((e) => e.name === "p2p:host" && e.at >= at && e.detail.hostPeerId !== name)?.at,
    [since, gone],
    timeoutMs,
  );
}

/** Waits until `peer` has been told that it is the host. */
export function becameHost(peer: PeerPage, timeoutMs?: number): Promise<void> {
  return waitInPage(
    peer.page,
    `${peer.name} to become host`,
    () => window.__p2p.some((e) => e.name === "p2p:host" && e.detail.iamHost === true),
    undefined,
    timeoutMs,
  );
}

/**
 * Opens a page for each of `names` in order, at `url(name)`, the first one alone until it is host,
 * then waits until every page shows them all connected. `initScript` as in `openPeer`.
 */
export async function openSession(
  browser: Browser,
  url: (name: string) => string,
  names: string[],
  initScript?: string,
): Promise<Map<string, PeerPage>> {
  const peers = new Map<string, PeerPage>();
  for (const name of names) {
    const peer = await openPeer(browser, url(name), name, initScript);
    peers.set(name, peer);
    if (peers.size === 1) await becameHost(peer);
  }
  await Promise.all([...peers.values()].map((p) => allConnected(p, names)));
  return peers;
}
