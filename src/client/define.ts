import { P2pFrameElement } from "./p2p_frame_element.js";

/**
 * Registers `<p2p-frame>`, which importing `p2p-streams-channel/client` does not do: call it once in
 * your page's entry, before (or after) frames are in the document. A second call, or a tag another
 * copy of the library registered, is left alone; outside a browser it does nothing. The
 * `p2p-streams-channel/browser` bundle calls it when it loads.
 *
 * @example
 * import { define, P2pFrameElement } from "p2p-streams-channel/client";
 * P2pFrameElement.defaults.logger = console; // optional: the frames are silent otherwise
 * define();
 */
export function define(): void {
  if (typeof customElements === "undefined" || customElements.get("p2p-frame")) return;
  customElements.define("p2p-frame", P2pFrameElement);
}
