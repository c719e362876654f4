import type { Page } from "playwright-core";

// What ICE did in a page: every RTCPeerConnection it made, and the selected candidate pair of each
// connected one, read from getStats() as chrome://webrtc-internals shows it.

declare global {
  interface Window {
    __pcs: RTCPeerConnection[];
    /** Every `iceConnectionState` change: which connection (its index in `__pcs`), to what, when. */
    __ice: { pc: number; state: RTCIceConnectionState; at: number }[];
  }
}

/**
 * Runs in the page before its scripts: keeps every `RTCPeerConnection` made in `window.__pcs`, and
 * every change of their ICE connection state in `window.__ice`. Plain JavaScript in a string (the
 * test's transpiler adds helpers the page does not have).
 */
export const PEER_CONNECTION_RECORDER = `(() => {
  window.__pcs = [];
  window.__ice = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      const pc = window.__pcs.push(this) - 1;
      this.addEventListener("iceconnectionstatechange", () =>
        window.__ice.push({ pc, state: this.iceConnectionState, at: Date.now() }));
    }
  };
})();`;

/** The selected candidate pair of one connection: both candidates' types, and the local one's id. */
export interface SelectedPair {
  local: string;
  remote: string;
  localId: string;
  policy: string | undefined;
}

/** The selected pair of every connected peer connection of the page. */
export function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(`(async () => {
    const connected = window.__pcs.filter((pc) => pc.connectionState === "connected");
    return Promise.all(connected.map(async (pc) => {
      const stats = await pc.getStats();
      let pair = null;
      stats.forEach((r) => {
        if (r.type === "transport" && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
      });
      if (!pair) return { local: "none", remote: "none", localId: "", policy: pc.getConfiguration().iceTransportPolicy };
      return {
        local: stats.get(pair.localCandidateId).candidateType,
        remote: stats.get(pair.remoteCandidateId).candidateType,
        localId: pair.localCandidateId,
        policy: pc.getConfiguration().iceTransportPolicy,
      };
    }));
  })()`);
}

/** How many peer connections the page made so far, and how many are connected now. */
export function connectionCounts(page: Page): Promise<{ made: number; connected: number }> {
  return page.evaluate(`({
    made: window.__pcs.length,
    connected: window.__pcs.filter((pc) => pc.connectionState === "connected").length,
  })`);
}

/**
 * Waits until the async expression `check` (JavaScript run in the page, resolving to a boolean)
 * resolves `true`, asking again every 100 ms, or fails naming what was awaited. For conditions on
 * `getStats()`, which `waitForFunction` cannot await.
 */
export async function untilInPage(
  page: Page,
  description: string,
  check: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await page.evaluate(check)) === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
