import type { Room } from "./room.js";

/** `p2p:medium-connected`: a remote client's media element is in the page, ready for its stream. */
export type MediumConnectedEvent = CustomEvent<{
  clientId: string;
  reply: boolean;
  video: HTMLVideoElement | null;
}>;
/** `p2p:medium-disconnected`: a remote client's media element left the page (the client left). */
export type MediumDisconnectedEvent = CustomEvent<{ clientId: string }>;
/** `p2p:room-entered`: the local media plays and the page is in the room; `room` for apps that add to it. */
export type RoomEnteredEvent = CustomEvent<{ clientId: string; room: Room }>;
/** `p2p:room-left`: the page left the room (button, or the controller went away). */
export type RoomLeftEvent = CustomEvent<{ clientId: string }>;
/** `p2p:room-error`: entering failed, or a negotiation gave up; `reason` is a stable code. */
export type RoomErrorEvent = CustomEvent<{ clientId?: string; reason: string; message: string }>;

/** Every DOM event a room dispatches on its element (they bubble), by name, for typed `addEventListener`. */
export interface RoomEventMap {
  "p2p:medium-connected": MediumConnectedEvent;
  "p2p:medium-disconnected": MediumDisconnectedEvent;
  "p2p:room-entered": RoomEnteredEvent;
  "p2p:room-left": RoomLeftEvent;
  "p2p:room-error": RoomErrorEvent;
}
