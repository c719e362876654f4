import type { PeerStates, SessionState } from "./types.js";

const STATES = new Set<string>([
  "negotiating",
  "connecting",
  "connected",
  "relayed",
  "disconnected",
  "closed",
  "failed",
]);

/** A change to the status map: a peer's new state, or `null` for a peer that left it. */
export type StatusDelta = Record<string, SessionState | null>;

/**
 * The session's status map (peer id → state) as the host keeps it and clients mirror it. The
 * host sends a newly connected client the whole map (`st`) and every later change as a delta
 * (`sd`); a client merges. A peer that leaves is shown `disconnected` once, then removed.
 */
export class StatusMap {
  // No prototype: a peer id such as "__proto__" is just a key.
  #states: PeerStates = Object.create(null);

  constructor(states: PeerStates = {}) {
    this.replace(states);
  }

  /** A copy of the whole map. */
  get states(): PeerStates {
    return { ...this.#states };
  }

  /** Sets one peer's state; returns the delta, or `null` when nothing changed. */
  set(peerId: string, state: SessionState): StatusDelta | null {
    if (this.#states[peerId] === state) return null;
    this.#states[peerId] = state;
    return { [peerId]: state };
  }

  /** Removes one peer; returns the delta, or `null` when it was not in the map. */
  remove(peerId: string): StatusDelta | null {
    if (!Object.hasOwn(this.#states, peerId)) return null;
    delete this.#states[peerId];
    return { [peerId]: null };
  }

  /** Replaces the whole map (a client given the host's full map). */
  replace(states: PeerStates): void {
    this.#states = Object.assign(Object.create(null), states);
  }

  /** Merges a delta from the host (entries that are not a state or `null` are skipped); returns whether anything changed. */
  apply(delta: StatusDelta): boolean {
    if (typeof delta !== "object" || delta === null || Array.isArray(delta)) return false;
    let changed = false;
    for (const [peerId, state] of Object.entries(delta)) {
      if (state !== null && !STATES.has(state)) continue;
      changed = (state === null ? this.remove(peerId) : this.set(peerId, state)) !== null || changed;
    }
    return changed;
  }
}
