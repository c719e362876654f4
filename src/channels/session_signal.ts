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
  | { type: "ready"; host: string; peer: string; peers: string[]; joinId: string; resume?: true }
  | { type: "signal"; from: string; signal: SessionSignal }
  | { type: "peer-left"; peer: string }
  | { type: "host-left"; host: string }
  | { type: "error"; reason: string; message: string };

/**
 * Server to server, on a peer's stream: the subscription whose membership is `replaces` must stop,
 * because another subscription of the same peer joined. Never forwarded to a client.
 */
export interface SessionClaim {
  type: "claim";
  /** The joinId of the membership that was replaced. */
  replaces: string;
}

/** Whether a message from a peer stream is a `SessionClaim`. */
export function isClaim(message: unknown): message is SessionClaim {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === "claim" &&
    typeof (message as { replaces?: unknown }).replaces === "string"
  );
}

/** Sizes `signal` accepts (checked by `schemas/session_actions.ts`). */
export const signalLimits = {
  /** Longest SDP relayed, in characters: audio, video and a data channel fit in a few KiB. */
  maxSdp: 32 * 1024,
  /** Longest candidate line. */
  maxCandidate: 2048,
} as const;
