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
      /** The server relays session data (`relay`) within these limits; absent when it does not. */
      relay?: RelayLimits;
    }
  | { type: "signal"; from: string; signal: SessionSignal }
  | RelayMessage
  | IceServersMessage
  | { type: "peer-left"; peer: string }
  | { type: "host-left"; host: string }
  | {
      type: "error";
      reason: string;
      message: string;
      /** A refused `relay` frame's addressee and number (`relay_limited`, `unknown_peer`…). */
      to?: string;
      seq?: number;
    };

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

/**
 * Session data through the server, when the data channel between the host and a member is not open
 * (yet, or at all): what a peer performs as `relay { to, join, seq, data }` and its addressee
 * receives with `from` stamped from the sender's token. Only the host and a member of its session
 * relay to each other, as with `signal`.
 */
export interface RelayMessage {
  type: "relay";
  /** The sender, as its token names it. */
  from: string;
  /** The member's join id that opened this host–member path: frames of an older path are stale. */
  join: string;
  /** The frame's number on this path, from 0: the receiver orders and deduplicates by it. */
  seq: number;
  /** One frame as the data channel would carry it (flag byte, then payload), base64-encoded. */
  data: string;
}

/**
 * What the server lets one peer relay to one other peer (announced in `ready`): frames of at most
 * `maxBytes` characters of `data`, and two token buckets, one of frames and one of `data` characters.
 * Senders pace themselves below these; a frame over them is refused with `relay_limited` or
 * `relay_too_large`.
 */
export interface RelayLimits {
  /** Longest `data` of one `relay`, in characters. */
  maxBytes: number;
  /** Frames a second, refilled continuously, and the most at once. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Characters of `data` a second, refilled continuously, and the most at once. */
  bytesPerSecond: number;
  byteBurst: number;
}
