// The wire messages of a mesh room (docs/protocol.md, "Rooms"): presence on `RoomChannel`, directed
// SDP and ICE on `RoomSignalingChannel`. The channels build them; the browser's `RoomPresence` and
// `Signaller` read them.

/** The `channel` of a room's presence subscription: `{"channel":"RoomChannel","token":…}`. */
export const ROOM_CHANNEL = "RoomChannel";

/** The `channel` of a room's signaling subscription: `{"channel":"RoomSignalingChannel","token":…}`. */
export const ROOM_SIGNALING_CHANNEL = "RoomSignalingChannel";

/** Presence messages of a room, as clients receive them on `RoomChannel`. */
export type RoomPresenceMessage = { type: "joined"; from: string } | { type: "left"; from: string };

/** A directed SDP or ICE message, as the addressed client receives it on `RoomSignalingChannel`. */
export interface RoomSignalMessage {
  type: "signal";
  /** The verified sender: never taken from the client. */
  from: string;
  description?: { type: "offer" | "answer" | "pranswer" | "rollback"; sdp?: string };
  candidate?: Record<string, unknown> | null;
}
