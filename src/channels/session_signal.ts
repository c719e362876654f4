import { P2pError, Reasons } from "../cable/errors.js";
import { isSessionPart } from "./session_token.js";

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

export const signalLimits = {
  /** Longest SDP relayed, in characters: audio, video and a data channel fit in a few KiB. */
  maxSdp: 32 * 1024,
  /** Longest candidate line. */
  maxCandidate: 2048,
} as const;

/** Refuses any field but `action` (added by Action Cable clients): for `join`, `detach`, `leave`. */
export function readEmpty(action: string, data: Record<string, unknown>): void {
  const extra = Object.keys(data).filter((key) => key !== "action");
  if (extra.length > 0) {
    throw invalid(
      `${action} takes no data, got ${extra.map((key) => JSON.stringify(key.slice(0, 40))).join(", ")}`,
    );
  }
}

/** A peer id field (`to` of `signal`, `peer` of `drop`), or `invalid_message` naming it. */
export function readPeerId(action: string, field: string, value: unknown): string {
  if (!isSessionPart(value)) {
    throw invalid(`${action} needs "${field}": a peer id, got ${describe(value)}`);
  }
  return value;
}

/** The `signal` of a `signal` action, rebuilt from known fields only, or `invalid_message`. */
export function readSignal(value: unknown): SessionSignal {
  if (!isObject(value)) throw invalid(`signal needs "signal": an object, got ${describe(value)}`);
  const { type } = value;
  if (type === "offer" || type === "answer") {
    const { sdp } = value;
    if (typeof sdp !== "string" || sdp.length === 0 || sdp.length > signalLimits.maxSdp) {
      throw invalid(`${type} needs "sdp": a string of 1 to ${signalLimits.maxSdp} characters`);
    }
    return { type, sdp };
  }
  if (type === "candidate") {
    if (!("candidate" in value)) throw invalid('candidate needs "candidate": an RTCIceCandidateInit or null');
    return { type, candidate: readCandidate(value.candidate) };
  }
  throw invalid(`signal type must be "offer", "answer" or "candidate", got ${describe(type)}`);
}

function readCandidate(value: unknown): SessionCandidate | null {
  if (value === null) return null;
  if (!isObject(value))
    throw invalid(`candidate must be an RTCIceCandidateInit or null, got ${describe(value)}`);
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value;
  if (typeof candidate !== "string" || candidate.length > signalLimits.maxCandidate) {
    throw invalid(`candidate.candidate must be a string of at most ${signalLimits.maxCandidate} characters`);
  }
  const result: SessionCandidate = { candidate };
  if (sdpMid !== undefined) result.sdpMid = optional("sdpMid", sdpMid, "string");
  if (sdpMLineIndex !== undefined) result.sdpMLineIndex = optional("sdpMLineIndex", sdpMLineIndex, "number");
  if (usernameFragment !== undefined) {
    result.usernameFragment = optional("usernameFragment", usernameFragment, "string");
  }
  return result;
}

function optional<T extends "string" | "number">(
  name: string,
  value: unknown,
  type: T,
): (T extends "string" ? string : number) | null {
  if (value === null) return null;
  const fits = type === "string" ? typeof value === "string" && value.length <= 256 : Number.isInteger(value);
  if (!fits)
    throw invalid(`candidate.${name} must be a ${type === "number" ? "integer" : "short string"} or null`);
  return value as T extends "string" ? string : number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function invalid(message: string): P2pError {
  return new P2pError(Reasons.invalidMessage, message);
}
