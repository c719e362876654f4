import type { Page } from "playwright-core";

/**
 * Runs in every bench page before its own scripts (Playwright `addInitScript`), for ours and for
 * PeerJS alike: forces `iceServers: []` on every RTCPeerConnection (PeerJS would otherwise load its
 * cloud STUN/TURN defaults), records when each connection reached `connected` and when each data
 * channel first opened (Chromium sometimes fires `open` twice: only the first counts), and asks
 * getUserMedia for small video (320x240 at 15 fps) so a mesh of six measures set-up, not encoders,
 * recording when each getUserMedia was called and when it resolved. `__watchVideos(selector, count)` starts a 5 ms poll
 * that records when `count` videos matching `selector` play (`videoWidth > 0`, `currentTime > 0`).
 * Times are `performance.timeOrigin + performance.now()`: epoch milliseconds every page shares.
 * Plain JavaScript in a string: the orchestrator's transpiler adds helpers the page lacks.
 */
export const RECORDER = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const record = { connections: [], channels: [], media: [], videos: null };
  window.__rtc = record;
  window.__watchVideos = (selector, count) => {
    const entry = { startedAt: now(), firstAt: null, playingAt: null };
    record.videos = entry;
    const timer = setInterval(() => {
      const playing = [...document.querySelectorAll(selector)].filter((v) => v.videoWidth > 0 && v.currentTime > 0).length;
      if (playing > 0 && entry.firstAt === null) entry.firstAt = now();
      if (playing < count) return;
      entry.playingAt = now();
      clearInterval(timer);
    }, 5);
  };
  const watchChannel = (channel) => {
    const entry = { label: channel.label, openedAt: null };
    record.channels.push(entry);
    const opened = () => { if (entry.openedAt === null) entry.openedAt = now(); };
    if (channel.readyState === "open") opened();
    channel.addEventListener("open", opened);
  };
  const Native = window.RTCPeerConnection;
  class BenchPeerConnection extends Native {
    constructor(configuration, ...rest) {
      super({ ...(configuration || {}), iceServers: [] }, ...rest);
      const entry = { createdAt: now(), connectedAt: null, negotiated: false };
      this.__entry = entry;
      record.connections.push(entry);
      this.addEventListener("connectionstatechange", () => {
        if (this.connectionState === "connected" && entry.connectedAt === null) entry.connectedAt = now();
      });
      this.addEventListener("datachannel", (event) => watchChannel(event.channel));
    }
    setLocalDescription(...args) {
      this.__entry.negotiated = true;
      return super.setLocalDescription(...args);
    }
    setRemoteDescription(...args) {
      this.__entry.negotiated = true;
      return super.setRemoteDescription(...args);
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      watchChannel(channel);
      return channel;
    }
  }
  window.RTCPeerConnection = BenchPeerConnection;
  if (navigator.mediaDevices) {
    const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => {
      const entry = { requestedAt: now(), gotAt: null };
      record.media.push(entry);
      return getUserMedia({ ...constraints, video: constraints && constraints.video ? { width: 320, height: 240, frameRate: 15 } : false })
        .then((stream) => { entry.gotAt = now(); return stream; });
    };
  }
})();`;

/** What the recorder keeps, as the orchestrator reads it back. */
export interface RtcRecord {
  /** `negotiated`: it took a description (a connection made only to warm the WebRTC stack up takes none). */
  connections: { createdAt: number; connectedAt: number | null; negotiated: boolean }[];
  channels: { label: string; openedAt: number | null }[];
  /** When each getUserMedia was called, and when it resolved. */
  media: { requestedAt: number; gotAt: number | null }[];
  /** Since `__watchVideos` was called: when the first, and when `count`, videos played. */
  videos: { startedAt: number; firstAt: number | null; playingAt: number | null } | null;
}

declare global {
  interface Window {
    __rtc: RtcRecord;
    /** Records in `__rtc.videos`, from now, when `count` videos matching `selector` play. */
    __watchVideos(selector: string, count: number): void;
  }
}

/** The time (epoch ms) at which the page had `count` connections connected, or null. */
export function nthConnected(record: RtcRecord, count: number): number | null {
  const times = record.connections
    .map((c) => c.connectedAt)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  return times.length >= count ? times[count - 1]! : null;
}

/**
 * The slowest page's wait from `at` (the join) to its first RTCPeerConnection: the signaling a
 * client does before WebRTC starts (cable subscribe and join, or PeerServer registration).
 */
export async function slowestFirstConnection(pages: Page[], at: number): Promise<number> {
  // PeerJS builds a throw-away RTCPeerConnection at load to probe features, ours one to warm the
  // WebRTC stack up as it joins: count from `at`, connections that negotiated only.
  const created = await Promise.all(
    pages.map((page) =>
      page.evaluate(
        (at) =>
          window.__rtc.connections.find((c) => c.createdAt >= at && c.negotiated)?.createdAt ?? Number.NaN,
        at,
      ),
    ),
  );
  return Math.max(...created) - at;
}

/**
 * The slowest page's wait from `at` to the creation of the last of its connections that connected:
 * in a mesh, how long signaling kept the last peer connection from starting.
 */
export async function slowestLastConnection(pages: Page[], at: number): Promise<number> {
  const created = await Promise.all(
    pages.map((page) =>
      page.evaluate(() =>
        Math.max(...window.__rtc.connections.filter((c) => c.connectedAt !== null).map((c) => c.createdAt)),
      ),
    ),
  );
  return Math.max(...created) - at;
}

/** How long a set of pages took to connect: the figure, and the signaling part of it. */
export interface JoinTime {
  ms: number;
  firstConnectionMs: number;
  /** Mesh only: join → the slowest page's last connected RTCPeerConnection created. */
  lastConnectionMs?: number;
}
