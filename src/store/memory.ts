import type {
  JoinOptions,
  JoinResult,
  LeaveOptions,
  LeaveResult,
  RefreshOptions,
  RefreshResult,
  SessionStore,
} from "./adapter.js";
import {
  checkId,
  checkMembership,
  joinArguments,
  joinResult,
  refreshArguments,
  sessionFull,
  ttlMs,
} from "./arguments.js";

/** Seams of `MemorySessionStore`: the clock expiry and leases are measured with. */
export interface MemorySessionStoreOptions {
  /** Milliseconds since the epoch; inject a fake clock to test expiry without waiting. Default `Date.now`. */
  now?: () => number;
}

interface Membership {
  joinId: string;
  /** When the lease ends (ms since the epoch); 0 once detached: it never lapses. */
  leaseUntil: number;
}

interface Session {
  host: string;
  /** In join order; the host, who created the session, is always first. */
  members: Map<string, Membership>;
  ttlMs: number;
  expiresAt: number;
}

// Expired sessions are dropped when touched; a sweep at most this often frees the ones nobody touches.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Session state in this process's memory: the default for one server process. Every method does
 * its whole read-and-write without awaiting, so host election is atomic by construction: any
 * number of concurrent joins elect exactly one host. Sessions expire after `ttlSeconds` without a
 * write (join, refresh, leave, touch); memberships are leases on the injected clock.
 *
 * @example
 * const store = new MemorySessionStore();
 * const { isHost, joinId } = await store.join("standup", "alice", { maxPeers: 8 }); // first → host
 * await store.refresh("standup", "alice", joinId); // every leaseMs / 4
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;
  #lastSweep: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#lastSweep = this.#now();
  }

  /** See `SessionStore.join`. */
  async join(sessionId: string, peerId: string, options: JoinOptions = {}): Promise<JoinResult> {
    const { maxPeers, ttlMs, leaseMs, joinId } = joinArguments(sessionId, peerId, options);
    this.#sweep();
    const now = this.#now();
    let session = this.#live(sessionId);
    const expiredHost = session && this.#lapsedHost(session, peerId, now);
    if (expiredHost) this.#sessions.delete(sessionId);
    if (!session || expiredHost) {
      session = { host: peerId, members: new Map(), ttlMs, expiresAt: 0 };
      this.#sessions.set(sessionId, session);
    }
    prune(session, now);
    const previous = session.members.get(peerId);
    const replaced = previous && previous.joinId !== joinId ? previous.joinId : undefined;
    if (!previous && maxPeers !== undefined && session.members.size >= maxPeers) {
      throw sessionFull(sessionId, maxPeers);
    }
    if (previous) {
      previous.joinId = joinId;
      previous.leaseUntil = now + leaseMs;
    } else session.members.set(peerId, { joinId, leaseUntil: now + leaseMs });
    session.ttlMs = ttlMs;
    session.expiresAt = now + ttlMs;
    const peers = [...session.members.keys()];
    return joinResult(peerId, { host: session.host, peers, joinId }, replaced, expiredHost);
  }

  /** See `SessionStore.refresh`. */
  async refresh(
    sessionId: string,
    peerId: string,
    joinId: string,
    options: RefreshOptions = {},
  ): Promise<RefreshResult> {
    const { leaseMs, ttlMs } = refreshArguments(sessionId, peerId, joinId, options);
    const now = this.#now();
    const session = this.#live(sessionId);
    if (!session) return { member: false };
    const expiredHost = this.#lapsedHost(session, peerId, now);
    if (expiredHost) {
      this.#sessions.delete(sessionId);
      return { member: false, expiredHost };
    }
    const membership = this.#current(session, peerId, joinId, now);
    if (!membership) return { member: false };
    if (membership.leaseUntil !== 0) membership.leaseUntil = now + leaseMs;
    if (ttlMs !== undefined) session.ttlMs = ttlMs;
    session.expiresAt = now + session.ttlMs;
    return { member: true };
  }

  /** See `SessionStore.detach`. */
  async detach(sessionId: string, peerId: string, joinId: string): Promise<boolean> {
    checkMembership(sessionId, peerId, joinId);
    const now = this.#now();
    const session = this.#live(sessionId);
    const membership = session && this.#current(session, peerId, joinId, now);
    if (!session || !membership) return false;
    if (peerId !== session.host) membership.leaseUntil = 0;
    session.expiresAt = now + session.ttlMs;
    return true;
  }

  /** See `SessionStore.leave`. */
  async leave(sessionId: string, peerId: string, options: LeaveOptions = {}): Promise<LeaveResult> {
    if (options.joinId !== undefined) checkId("joinId", options.joinId);
    const session = this.#live(sessionId);
    if (!session) return { left: false, hostLeft: false, peers: [] };
    const now = this.#now();
    prune(session, now);
    const membership = session.members.get(peerId);
    if (!membership || (options.joinId !== undefined && membership.joinId !== options.joinId)) {
      return { left: false, hostLeft: false, peers: [...session.members.keys()] };
    }
    if (session.host === peerId) {
      this.#sessions.delete(sessionId);
      return { left: true, hostLeft: true, peers: [] };
    }
    session.members.delete(peerId);
    session.expiresAt = now + session.ttlMs;
    return { left: true, hostLeft: false, peers: [...session.members.keys()] };
  }

  /** See `SessionStore.peers`. */
  async peers(sessionId: string): Promise<string[]> {
    const session = this.#live(sessionId);
    if (!session) return [];
    const now = this.#now();
    return [...session.members].filter(([peer, m]) => !lapsed(session, peer, m, now)).map(([peer]) => peer);
  }

  /** See `SessionStore.host`. */
  async host(sessionId: string): Promise<string | null> {
    return this.#live(sessionId)?.host ?? null;
  }

  /** See `SessionStore.touch`. */
  async touch(sessionId: string, ttlSeconds?: number): Promise<void> {
    const session = this.#live(sessionId);
    if (!session) return;
    if (ttlSeconds !== undefined) session.ttlMs = ttlMs(ttlSeconds);
    session.expiresAt = this.#now() + session.ttlMs;
  }

  /** Forgets every session. */
  async close(): Promise<void> {
    this.#sessions.clear();
  }

  /** The session unless it is absent or expired (an expired one is dropped on the way). */
  #live(sessionId: string): Session | undefined {
    const session = this.#sessions.get(sessionId);
    if (session && session.expiresAt <= this.#now()) {
      this.#sessions.delete(sessionId);
      return undefined;
    }
    return session;
  }

  /** The host, when its lease has lapsed and `peerId` is someone else (who may reset the session). */
  #lapsedHost(session: Session, peerId: string, now: number): string | undefined {
    if (session.host === peerId) return undefined;
    const host = session.members.get(session.host);
    return host && host.leaseUntil !== 0 && host.leaseUntil <= now ? session.host : undefined;
  }

  /** The membership `joinId` of `peerId` if it is current; a lapsed one is pruned on the way. */
  #current(session: Session, peerId: string, joinId: string, now: number): Membership | undefined {
    const membership = session.members.get(peerId);
    if (!membership || membership.joinId !== joinId) return undefined;
    if (!lapsed(session, peerId, membership, now)) return membership;
    session.members.delete(peerId);
    return undefined;
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
  }
}

/** An attached member (not the host: its lapse resets the session instead) whose lease ended. */
function lapsed(session: Session, peerId: string, membership: Membership, now: number): boolean {
  return peerId !== session.host && membership.leaseUntil !== 0 && membership.leaseUntil <= now;
}

/** Removes every lapsed member, silently. */
function prune(session: Session, now: number): void {
  for (const [peer, membership] of session.members) {
    if (lapsed(session, peer, membership, now)) session.members.delete(peer);
  }
}
