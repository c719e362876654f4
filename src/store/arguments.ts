import { randomUUID } from "node:crypto";
import { P2pError, Reasons } from "../protocol/errors.js";
import { type JoinOptions, type JoinResult, type RefreshOptions, storeDefaults } from "./adapter.js";

// Argument checks shared by both stores, so that they refuse the same input with the same words
// (the contract suite checks the messages) before anything is stored.

/** A `join`'s arguments, checked, with defaults applied. */
export interface JoinArguments {
  /** Most live members; `undefined` for unlimited. */
  maxPeers: number | undefined;
  ttlMs: number;
  leaseMs: number;
  joinId: string;
}

/** Checks the ids and options of a `join`; throws `TypeError` naming the culprit. */
export function joinArguments(sessionId: string, peerId: string, options: JoinOptions): JoinArguments {
  checkId("sessionId", sessionId);
  checkId("peerId", peerId);
  const { maxPeers } = options;
  if (maxPeers !== undefined && !(Number.isInteger(maxPeers) && maxPeers > 0)) {
    throw new TypeError(`maxPeers must be a positive integer, got ${maxPeers}`);
  }
  const joinId = options.joinId ?? randomUUID();
  checkId("joinId", joinId);
  return { maxPeers, ttlMs: ttlMs(options.ttlSeconds), leaseMs: leaseMs(options.leaseMs), joinId };
}

/** A `refresh`'s arguments, checked: the lease, and the session's new expiry when `ttlSeconds` is given. */
export interface RefreshArguments {
  leaseMs: number;
  /** `undefined`: keep the session's expiry time as it is. */
  ttlMs: number | undefined;
}

/** Checks the membership and options of a `refresh`; throws `TypeError` naming the culprit. */
export function refreshArguments(
  sessionId: string,
  peerId: string,
  joinId: string,
  options: RefreshOptions,
): RefreshArguments {
  checkMembership(sessionId, peerId, joinId);
  return {
    leaseMs: leaseMs(options.leaseMs),
    ttlMs: options.ttlSeconds === undefined ? undefined : ttlMs(options.ttlSeconds),
  };
}

/** The `session_full` refusal of a `join`, worded the same by both stores. */
export function sessionFull(sessionId: string, maxPeers: number | undefined): P2pError {
  return new P2pError(Reasons.sessionFull, `Session "${sessionId}" is full (maxPeers ${maxPeers})`);
}

/** `ttlSeconds` in whole milliseconds (at least 1); throws unless positive and finite. */
export function ttlMs(ttlSeconds: number = storeDefaults.ttlSeconds): number {
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new TypeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/** A lease in whole milliseconds (at least 1); throws unless positive and finite. */
export function leaseMs(lease: number = storeDefaults.leaseMs): number {
  if (!(lease > 0) || !Number.isFinite(lease)) throw new TypeError(`leaseMs must be positive, got ${lease}`);
  return Math.max(1, Math.round(lease));
}

/** Throws unless `value` is a non-empty string. */
export function checkId(name: string, value: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string`);
  }
}

/** Throws unless the three ids naming a membership are non-empty strings. */
export function checkMembership(sessionId: string, peerId: string, joinId: string): void {
  checkId("sessionId", sessionId);
  checkId("peerId", peerId);
  checkId("joinId", joinId);
}

/**
 * A `join`'s answer as both stores give it: `replaced` and `expiredHost` only when they happened
 * (absent, not `undefined`, so the two stores' answers compare equal in the contract suite).
 */
export function joinResult(
  peerId: string,
  session: { host: string; peers: string[]; joinId: string },
  replaced: string | undefined,
  expiredHost: string | undefined,
): JoinResult {
  const result: JoinResult = { ...session, isHost: session.host === peerId };
  if (replaced) result.replaced = replaced;
  if (expiredHost) result.expiredHost = expiredHost;
  return result;
}
