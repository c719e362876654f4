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

/**
 * When and how hard a mesh member caps the video it sends. A mesh sends every stream N−1 times,
 * so the uplink, not the CPU, is what a growing room runs out of first.
 */
export interface VideoCapOptions {
  /** Members (this page included) up to which video is sent uncapped. Default 4. */
  capAbove?: number;
  /**
   * Bits per second all of this page's video uplinks may use together once capped; each of the
   * N−1 senders gets an equal share. Default 4 Mbit/s: a typical 5–10 Mbit/s home uplink with
   * room for N−1 audio streams (about 40 kbit/s each) and the rest of the household.
   */
  videoUplinkBps?: number;
  /** How much capped video is scaled down (2: 640×480 → 320×240). Default 2. */
  scaleResolutionDownBy?: number;
}

/** Defaults of `VideoCapOptions`. */
export const videoCapDefaults = {
  capAbove: 4,
  videoUplinkBps: 4_000_000,
  scaleResolutionDownBy: 2,
} as const;
