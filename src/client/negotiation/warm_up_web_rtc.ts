let warmed = false;

/**
 * Starts the browser's WebRTC stack ahead of the first link: Chromium's first `RTCPeerConnection`
 * in a page blocks its main thread 20 to 80 ms while the stack starts (traced on the bench
 * machine), later ones 1 to 3 ms. Paid when the host's offer arrives, it sat twice on the path to
 * an open channel (the host's first link, then the client's); paid here, right after the cable
 * socket is created, it overlaps the socket's handshake. Once per page, a task later (the socket
 * goes first), and only where the page makes its own connections: with `createPeerConnection`
 * injected (tests, Node peers) it does nothing.
 */
export function warmUpWebRtc(createPeerConnection?: unknown): void {
  if (warmed || createPeerConnection !== undefined || typeof globalThis.RTCPeerConnection !== "function")
    return;
  warmed = true;
  setTimeout(() => {
    try {
      new RTCPeerConnection({ iceServers: [] }).close();
    } catch {
      // A browser that refuses one now refuses the real link as well, and says why there.
    }
  }, 0);
}
