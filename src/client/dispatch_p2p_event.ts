import type { P2pFrameEventMap } from "./frame_events.js";
import type { RoomEventMap } from "./room/room_events.js";

/** Every DOM event the library dispatches, by name: `<p2p-frame>`'s and a room's. */
export interface P2pEventMap extends P2pFrameEventMap, RoomEventMap {}

/**
 * Dispatches one `p2p:*` DOM event, the only way the library does: bubbling, so apps (and Stimulus
 * actions) listen once on any ancestor. Returns the event.
 */
export function dispatchP2pEvent<K extends keyof P2pEventMap>(
  target: EventTarget,
  name: K,
  detail: P2pEventMap[K]["detail"],
): P2pEventMap[K] {
  const event = new CustomEvent(name, { detail, bubbles: true }) as P2pEventMap[K];
  target.dispatchEvent(event);
  return event;
}
