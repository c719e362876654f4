import type { Logger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import { CableSession, type SessionSocket } from "./cable_session.js";
import type { Identity } from "./channel_context.js";
import type { SubscriptionRecord, SubscriptionsHost } from "./subscriptions.js";

/**
 * Where sessions of extended-protocol clients wait to be restored on any server process
 * (`RedisCableSessionStore`). Records are opaque JSON text; a record is taken at most once.
 */
export interface CableSessionStore {
  /** Keeps `record` under `sid` for `ttlMs`. */
  save(sid: string, record: string, ttlMs: number): Promise<void>;
  /** Returns and forgets the record of `sid`; `undefined` when there is none (expired, or taken). */
  take(sid: string): Promise<string | undefined>;
}

/** What a session restored on another process is rebuilt from. */
interface SessionRecord {
  readonly identity: Identity;
  readonly subscriptions: readonly SubscriptionRecord[];
}

export interface SessionParkingOptions {
  readonly ttlMs: number;
  readonly store: CableSessionStore | undefined;
  readonly pubsub: PubSub;
  readonly logger: Logger;
}

interface Parked {
  readonly session: CableSession;
  readonly timer: NodeJS.Timeout;
  /** The subscription to "restored elsewhere" notices, with a store only. */
  readonly notice: Promise<(() => Promise<void>) | undefined> | undefined;
}

/** The stream on which the process that restores a session tells the one that parked it. */
const noticeStream = (sid: string) => `p2p-cable-session:${sid}`;

/**
 * The sessions of this process whose socket dropped: kept, channels and all, for `ttlMs`. A
 * restore here moves the live session onto the new socket; with a store, a restore on another
 * process rebuilds it there from its record and this process lets its copy go (`moved`). A session
 * not restored in time expires: only then do its channels' `unsubscribed` run (cause `disconnect`).
 */
export class SessionParking {
  readonly #options: SessionParkingOptions;
  readonly #parked = new Map<string, Parked>();
  #closed = false;

  constructor(options: SessionParkingOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#parked.size;
  }

  /** Keeps `session` for a restore; false when the server is shutting down (tear it down instead). */
  park(session: CableSession): boolean {
    if (this.#closed) return false;
    const { ttlMs, store, pubsub, logger } = this.#options;
    session.detach();
    const sid = session.sid;
    const timer = setTimeout(() => void this.#release(sid, "disconnect"), ttlMs);
    timer.unref();
    let notice: Parked["notice"];
    if (store) {
      const record: SessionRecord = {
        identity: session.identity,
        subscriptions: session.subscriptions.records(),
      };
      store.save(sid, JSON.stringify(record), ttlMs).catch((error: unknown) => {
        logger.warn("session not saved", { connection: session.id, error: String(error) });
      });
      notice = pubsub
        .subscribe(noticeStream(sid), () => void this.#release(sid, "moved"))
        .catch(() => undefined);
    }
    this.#parked.set(sid, { session, timer, notice });
    logger.debug("session parked", { connection: session.id, ttlMs });
    return true;
  }

  /**
   * The session `sid` names, moved onto `socket`: the one parked here, or one rebuilt from the
   * store. `undefined` when there is none (unknown, expired, already restored).
   */
  async restore(
    sid: string,
    socket: SessionSocket,
    host: SubscriptionsHost,
  ): Promise<CableSession | undefined> {
    const { store, pubsub, logger } = this.#options;
    const parked = this.#parked.get(sid);
    if (parked) {
      this.#forget(sid, parked);
      await store
        ?.take(sid)
        .catch((error: unknown) => logger.warn("session record not taken", { error: String(error) }));
      parked.session.attach(socket);
      return parked.session;
    }
    if (!store || this.#closed) return undefined;
    let record: SessionRecord;
    try {
      const text = await store.take(sid);
      if (text === undefined) return undefined;
      record = JSON.parse(text) as SessionRecord;
    } catch (error) {
      logger.warn("session not restored", { connection: socket.id, error: String(error) });
      return undefined;
    }
    const session = new CableSession(socket, host);
    session.identity = Object.freeze({ ...record.identity });
    await session.subscriptions.restore(record.subscriptions);
    pubsub.publish(noticeStream(sid), '"moved"').catch((error: unknown) => {
      logger.warn("session move not announced", { error: String(error) });
    });
    return session;
  }

  /** At shutdown: every parked session is torn down here (its record stays restorable elsewhere). */
  async closeAll(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#parked.keys()].map((sid) => this.#release(sid, "disconnect")));
  }

  async #release(sid: string, cause: "disconnect" | "moved"): Promise<void> {
    const parked = this.#parked.get(sid);
    if (!parked) return;
    this.#forget(sid, parked);
    this.#options.logger.debug(cause === "moved" ? "session moved" : "session expired", {
      connection: parked.session.id,
    });
    if (cause === "disconnect" && !this.#closed) await this.#options.store?.take(sid).catch(() => undefined);
    await parked.session.subscriptions.closeAll(cause);
  }

  #forget(sid: string, parked: Parked): void {
    this.#parked.delete(sid);
    clearTimeout(parked.timer);
    void parked.notice?.then((stop) => stop?.()).catch(() => undefined);
  }
}
