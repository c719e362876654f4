/**
 * Session state shared by every server process: who is in a session, who is host, when it
 * expires. Contract (proven for each implementation by test/support/session_store_contract.ts):
 * - the first `join` of an empty (or expired, or reset) session makes that peer host, atomically:
 *   any number of concurrent joins elect exactly one host;
 * - `join` of a peer already in the session is idempotent and keeps its role;
 * - a join that would exceed `maxPeers` throws `P2pError` with reason `session_full` and changes nothing;
 * - every write pushes the session's expiry to `ttlSeconds` from now; an expired session is empty.
 */
export interface SessionStore {
  /** Adds `peerId` to the session, making it host if the session had none; atomic across processes. */
  join(sessionId: string, peerId: string, options?: JoinOptions): Promise<JoinResult>;
  /**
   * Removes a peer. When it was the host, the whole session is reset (emptied) and
   * `hostLeft` is true: the remaining peers must join again, and the first back becomes host.
   */
  leave(sessionId: string, peerId: string): Promise<LeaveResult>;
  /** Current members, host first; empty when the session does not exist. */
  peers(sessionId: string): Promise<string[]>;
  /** The session's current host, `null` when it has none (or does not exist). */
  host(sessionId: string): Promise<string | null>;
  /** Pushes the expiry forward without changing members. */
  touch(sessionId: string, ttlSeconds?: number): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Limits of one `SessionStore.join`: the session's size and its inactivity expiry. */
export interface JoinOptions {
  /** Most members the session holds, host included. Default: unlimited. */
  maxPeers?: number;
  /** Seconds of inactivity before the session expires. Default `storeDefaults.ttlSeconds`. */
  ttlSeconds?: number;
}

/** The session after a join: who hosts it, whether that is the joiner, and its members. */
export interface JoinResult {
  host: string;
  isHost: boolean;
  /** Members after the join, host first. */
  peers: string[];
}

/** What a `SessionStore.leave` changed. */
export interface LeaveResult {
  /** Whether the peer was a member. */
  left: boolean;
  /** Whether the peer was host, so the session was reset. */
  hostLeft: boolean;
  /** Members after the leave (empty after a reset). */
  peers: string[];
}

/** Defaults of the session stores. */
export const storeDefaults = {
  /** One hour after the last activity, as the sessions issue asks. */
  ttlSeconds: 3600,
} as const;
