// The wire messages of `SignalingChannel` (docs/protocol.md, "Sessions"): what the server sends a
// subscriber, and the SDP and ICE that `signal` carries both ways. The channel builds them and the
// browser's `CableLink` parses them; the zod schemas that check a client's actions live beside the
// channel (`channels/schemas/`).

/** The `channel` of a session subscription's identifier: `{"channel":"SignalingChannel","token":…}`. */
export const SIGNALING_CHANNEL = "SignalingChannel";

/** SDP or ICE as `SignalingChannel` relays it: what a peer sends with `signal`, and receives in a `signal` message. */
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
  | {
      type: "ready";
      /** The host's peer id. */
      host: string;
      /** Who joined. */
      peer: string;
      /** The members, host first. */
      peers: string[];
      /** Of `peer`'s new membership: what the host names in `drop`. */
      joinId: string;
      /** `peer` said its data channel to the host is open. */
      resume?: true;
    }
  | { type: "signal"; from: string; signal: SessionSignal }
  | IceServersMessage
  | { type: "peer-left"; peer: string }
  | { type: "host-left"; host: string }
  | { type: "error"; reason: string; message: string };

/**
 * This subscription's own ICE configuration, with TURN credentials minted for its peer id: sent
 * before the `ready` of each of its joins and in answer to `ice_servers`, when the channel has `ice`.
 */
export interface IceServersMessage {
  type: "ice-servers";
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  /** Unix milliseconds at which the TURN credentials expire; `null` without TURN. */
  expiresAt: number | null;
}

/** Sizes `signal` accepts (checked by the server's `schemas/session_actions.ts`). */
export const signalLimits = {
  /** Longest SDP relayed, in characters: audio, video and a data channel fit in a few KiB. */
  maxSdp: 32 * 1024,
  /** Longest candidate line. */
  maxCandidate: 2048,
} as const;
