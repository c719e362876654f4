import { P2pError, Reasons } from "../cable/errors.js";
import {
  type JoinOptions,
  type JoinResult,
  type LeaveResult,
  type SessionStore,
  storeDefaults,
} from "./adapter.js";

/** Seams of `MemorySessionStore`: the clock expiry is measured with. */
export interface MemorySessionStoreOptions {
  /** Milliseconds since the epoch; inject a fake clock to test expiry without waiting. Default `Date.now`. */
  now?: () => number;
}

interface Session {
  /** Members in join order; the host is always `members[0]`. */
  members: string[];
  ttlMs: number;
  expiresAt: number;
}

// Expired sessions are dropped when touched; a sweep at most this often frees the ones nobody touches.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Session state in this process's memory: the default for one server process. Every method does
 * its whole read-and-write without awaiting, so host election is atomic by construction: any
 * number of concurrent joins elect exactly one host. Sessions expire after `ttlSeconds` without a
 * write (join, leave, touch).
 *
 * @example
 * const store = new MemorySessionStore();
 * const { isHost } = await store.join("standup", "alice", { maxPeers: 8 }); // first → host
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
    checkId("sessionId", sessionId);
    checkId("peerId", peerId);
    const maxPeers = options.maxPeers;
    if (maxPeers !== undefined && !(Number.isInteger(maxPeers) && maxPeers > 0)) {
      throw new TypeError(`maxPeers must be a positive integer, got ${maxPeers}`);
    }
    const ttl = ttlMs(options.ttlSeconds);
    this.#sweep();
    let session = this.#live(sessionId);
    if (!session) {
      session = { members: [peerId], ttlMs: ttl, expiresAt: 0 };
      this.#sessions.set(sessionId, session);
    } else if (!session.members.includes(peerId)) {
      if (maxPeers !== undefined && session.members.length >= maxPeers) {
        throw new P2pError(Reasons.sessionFull, `Session "${sessionId}" is full (maxPeers ${maxPeers})`);
      }
      session.members.push(peerId);
    }
    session.ttlMs = ttl;
    session.expiresAt = this.#now() + ttl;
    const host = session.members[0]!;
    return { host, isHost: host === peerId, peers: [...session.members] };
  }

  async leave(sessionId: string, peerId: string): Promise<LeaveResult> {
    const session = this.#live(sessionId);
    if (!session) return { left: false, hostLeft: false, peers: [] };
    if (!session.members.includes(peerId)) {
      return { left: false, hostLeft: false, peers: [...session.members] };
    }
    if (session.members[0] === peerId) {
      this.#sessions.delete(sessionId);
      return { left: true, hostLeft: true, peers: [] };
    }
    session.members = session.members.filter((member) => member !== peerId);
    session.expiresAt = this.#now() + session.ttlMs;
    return { left: true, hostLeft: false, peers: [...session.members] };
  }

  async peers(sessionId: string): Promise<string[]> {
    return [...(this.#live(sessionId)?.members ?? [])];
  }

  /** See `SessionStore.host`. */
  async host(sessionId: string): Promise<string | null> {
    return this.#live(sessionId)?.members[0] ?? null;
  }

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

  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
  }
}

function ttlMs(ttlSeconds: number = storeDefaults.ttlSeconds): number {
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new TypeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

function checkId(name: string, value: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string`);
  }
}
