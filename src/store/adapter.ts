/**
 * Session state shared by every server process: who is in a session, who is host, when it
 * expires. Contract (proven for each implementation by test/support/session_store_contract.ts):
 * - the first `join` of an empty (or expired, or reset) session makes that peer host, atomically:
 *   any number of concurrent joins elect exactly one host;
 * - every `join` is a new **membership** with its own `joinId`; a peer already in the session
 *   keeps its role and its place, and the result names the membership it `replaced`;
 * - memberships are **leases** (docs/protocol.md, "Leases"): `refresh` extends one; a host whose
 *   lease lapsed is found by the next `join` or `refresh` of another peer, which resets the session
 *   (`expiredHost`); an attached member whose lease lapsed is pruned silently; a `detach`ed member
 *   has no lease and never lapses;
 * - a join that would exceed `maxPeers` (live members) throws `P2pError` with reason
 *   `session_full` and changes nothing;
 * - every write pushes the session's expiry to `ttlSeconds` from now; an expired session is empty.
 */
export interface SessionStore {
  /**
   * Adds `peerId` to the session as a new membership (making it host if the session had none, or
   * its host's lease lapsed); atomic across processes.
   */
  join(sessionId: string, peerId: string, options?: JoinOptions): Promise<JoinResult>;
  /**
   * Extends the lease of the membership `joinId` of `peerId` (a detached one stays detached) and
   * the session's expiry. Finding the host's lease lapsed (when `peerId` is not the host) resets the
   * session, and only that first finder gets `expiredHost`. `member` is false once the membership
   * is gone, lapsed or replaced.
   */
  refresh(
    sessionId: string,
    peerId: string,
    joinId: string,
    options?: RefreshOptions,
  ): Promise<RefreshResult>;
  /**
   * Stops the lease of the membership `joinId`: it stays until it leaves, is dropped or the session
   * resets (the host's heartbeat vouches for it). The host's own lease never stops. False when the
   * membership is gone or replaced.
   */
  detach(sessionId: string, peerId: string, joinId: string): Promise<boolean>;
  /**
   * Removes a peer (with `joinId`, only if that is its current membership). When it was the host,
   * the whole session is reset (emptied) and `hostLeft` is true: the remaining peers must join
   * again, and the first back becomes host.
   */
  leave(sessionId: string, peerId: string, options?: LeaveOptions): Promise<LeaveResult>;
  /** Live members, host first; empty when the session does not exist. */
  peers(sessionId: string): Promise<string[]>;
  /** The session's current host, `null` when it has none (or does not exist). */
  host(sessionId: string): Promise<string | null>;
  /** Pushes the expiry forward without changing members. */
  touch(sessionId: string, ttlSeconds?: number): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Limits of one `SessionStore.join`: the session's size, its inactivity expiry, the lease. */
export interface JoinOptions {
  /** Most live members the session holds, host included. Default: unlimited. */
  maxPeers?: number;
  /** Seconds of inactivity before the session expires. Default `storeDefaults.ttlSeconds`. */
  ttlSeconds?: number;
  /** Names this membership; `SignalingChannel` passes a fresh random id per join. Default a random UUID. */
  joinId?: string;
  /** Milliseconds the membership lasts without a `refresh`. Default `storeDefaults.leaseMs`. */
  leaseMs?: number;
}

/** The session after a join: who hosts it, whether that is the joiner, its members and the new membership. */
export interface JoinResult {
  /** The host's peer id. */
  host: string;
  /** Whether the joiner is the host. */
  isHost: boolean;
  /** Live members after the join, host first. */
  peers: string[];
  /** The joiner's new membership. */
  joinId: string;
  /** The joinId of the joiner's previous membership, when it was still a member. */
  replaced?: string;
  /** The host whose lease this join found lapsed: the session was reset before the join. */
  expiredHost?: string;
}

/** Options of `SessionStore.refresh`. */
export interface RefreshOptions {
  /** Milliseconds from now the lease lasts. Default `storeDefaults.leaseMs`. */
  leaseMs?: number;
  /** Sets the session's inactivity expiry, as in `JoinOptions`. Default: the session's own. */
  ttlSeconds?: number;
}

/** What a `SessionStore.refresh` found. */
export interface RefreshResult {
  /** Whether the membership is still current (and its lease was extended). */
  member: boolean;
  /** The host whose lease this refresh found lapsed: the session was reset. */
  expiredHost?: string;
}

/** Options of `SessionStore.leave`. */
export interface LeaveOptions {
  /** Leave only if this is the peer's current membership; otherwise nothing changes. */
  joinId?: string;
}

/** What a `SessionStore.leave` changed. */
export interface LeaveResult {
  /** Whether the peer was a member (with that `joinId`, when given) and left. */
  left: boolean;
  /** Whether the peer was host, so the session was reset. */
  hostLeft: boolean;
  /** Live members after the leave (empty after a reset). */
  peers: string[];
}

/** Defaults of the session stores. */
export const storeDefaults = {
  /** One hour after the last activity, as the sessions issue asks. */
  ttlSeconds: 3600,
  /** A membership not refreshed for 4 s is gone: a crashed server's host is replaced that fast. */
  leaseMs: 4000,
} as const;
