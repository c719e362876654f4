/** SDP or ICE as `SignalingChannel` relays it (docs/protocol.md, "Sessions"). */
export type SessionSignal =
  | { type: "offer" | "answer"; sdp: string }
  | { type: "candidate"; candidate: SessionCandidate | null };

/** The fields of an `RTCIceCandidateInit` that are relayed; anything else the client sent is dropped. */
export interface SessionCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** Messages `SignalingChannel` sends to subscribers. */
export type SignalingMessage =
  | { type: "ready"; host: string; peer: string; peers: string[] }
  | { type: "signal"; from: string; signal: SessionSignal }
  | { type: "peer-left"; peer: string }
  | { type: "host-left"; host: string }
  | { type: "error"; reason: string; message: string };

/** Sizes `signal` accepts (checked by `schemas/session_actions.ts`). */
export const signalLimits = {
  /** Longest SDP relayed, in characters: audio, video and a data channel fit in a few KiB. */
  maxSdp: 32 * 1024,
  /** Longest candidate line. */
  maxCandidate: 2048,
} as const;
