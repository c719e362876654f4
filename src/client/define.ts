import { P2pFrameElement } from "./p2p_frame_element.js";

/**
 * Registers `<p2p-frame>` (once: a second import, or another copy of the library, is a no-op).
 * Runs when `p2p-streams-channel/client` is imported; outside a browser it does nothing.
 */
export function defineP2pFrame(name = "p2p-frame"): void {
  if (typeof customElements === "undefined" || customElements.get(name)) return;
  customElements.define(name, P2pFrameElement);
}

defineP2pFrame();
