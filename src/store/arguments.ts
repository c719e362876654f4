import { randomUUID } from "node:crypto";
import { type JoinOptions, storeDefaults } from "./adapter.js";

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
