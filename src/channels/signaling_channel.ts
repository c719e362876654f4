import { Channel, type ChannelClass } from "../cable/channel.js";
import { P2pError, Reasons } from "../cable/errors.js";
import type { SessionStore } from "../store/adapter.js";
import { parseAction } from "./schemas/parse_action.js";
import { dropAction, emptyAction, signalAction } from "./schemas/session_actions.js";
import { tokenParamsProblem } from "./schemas/subscribe_params.js";
import type { SignalingMessage } from "./session_signal.js";
import { type SessionIdentity, sessionStreams, verifySessionToken } from "./session_token.js";

/** How `createSignalingChannel` keeps sessions: the store, the most members, and the inactivity expiry. */
export interface SignalingChannelOptions {
  /** Where members and hosts live: `MemorySessionStore` in one process, `RedisSessionStore` for N. */
  store: SessionStore;
  /** Most members of one session, host included. Default unlimited. */
  maxPeers?: number;
  /** Seconds of inactivity before a session expires. Default the store's (one hour). */
  ttlSeconds?: number;
}

/**
 * The signaling of one-to-many sessions (docs/protocol.md, "Sessions"): `join` elects the host
 * through the store, `signal` relays SDP and ICE to the addressed member only with `from` stamped
 * from the subscription's token, and the host leaving resets the session (`host-left`).
 * Identifier `{"channel":"SignalingChannel","token":"<signSessionToken(…)>"}`.
 *
 * @example
 * const cable = new CableServer({
 *   channels: [createSignalingChannel({ store: new MemorySessionStore(), maxPeers: 8 })],
 *   secret: process.env.P2P_SECRET,
 * });
 */
export function createSignalingChannel(options: SignalingChannelOptions): ChannelClass {
  const { store, maxPeers, ttlSeconds } = options;
  if (!store) throw new TypeError("createSignalingChannel needs a `store` (e.g. new MemorySessionStore())");
  if (maxPeers !== undefined && !(Number.isInteger(maxPeers) && maxPeers > 0)) {
    throw new TypeError(`maxPeers must be a positive integer, got ${maxPeers}`);
  }
  if (ttlSeconds !== undefined && !(ttlSeconds > 0 && Number.isFinite(ttlSeconds))) {
    throw new TypeError(`ttlSeconds must be a positive number of seconds, got ${ttlSeconds}`);
  }

  const joinAction = emptyAction("join");
  const detachAction = emptyAction("detach");
  const leaveAction = emptyAction("leave");

  return class SignalingChannel extends Channel {
    static override readonly channelName = "SignalingChannel";
    static override readonly actions: readonly string[] = ["join", "signal", "detach", "drop", "leave"];

    #identity: SessionIdentity | undefined;
    #joined = false;
    #detached = false;
    // Actions of one subscription run one after another, in the order they arrived: an offer is
    // never overtaken by its candidates, and an unsubscribe sees the join that came before it.
    #queue: Promise<unknown> = Promise.resolve();

    override async subscribed(): Promise<void> {
      const problem = tokenParamsProblem(this.params);
      if (problem) {
        this.logger.info("session subscription rejected", {
          connection: this.connection.id,
          reason: problem.reason,
        });
        this.reject(problem.reason, problem.message);
        return;
      }
      try {
        this.#identity = verifySessionToken(this.cable.signer, this.params.token);
      } catch (error) {
        const reason = error instanceof P2pError ? error.reason : Reasons.invalidToken;
        this.logger.info("session subscription rejected", { connection: this.connection.id, reason });
        this.reject(reason, error instanceof Error ? error.message : "invalid session token");
        return;
      }
      const { sessionId, peerId } = this.#identity;
      await this.streamFrom(sessionStreams.session(sessionId));
      await this.streamFrom(sessionStreams.peer(sessionId, peerId));
    }

    override async unsubscribed(): Promise<void> {
      if (!this.#identity || this.rejected) return;
      await this.#serial(async () => {
        const leaves = this.#joined && !this.#detached;
        if (leaves) await this.#leave();
        this.logger.debug("session subscription closed", { connection: this.connection.id, left: leaves });
      });
    }

    /** Joins the session (the first member is host) and tells every subscriber `ready`. */
    join(data: Record<string, unknown>): Promise<void> {
      parseAction(joinAction, data);
      return this.#serial(async () => {
        const { sessionId, peerId } = this.#identity!;
        const result = await store.join(sessionId, peerId, { maxPeers, ttlSeconds });
        this.#joined = true;
        this.#detached = false;
        this.logger.debug("session joined", { connection: this.connection.id, isHost: result.isHost });
        await this.#send(sessionStreams.session(sessionId), {
          type: "ready",
          host: result.host,
          peer: peerId,
          peers: result.peers,
        });
      });
    }

    /** Relays SDP or ICE to `to`, a member of the caller's session, stamped with the caller's id. */
    signal(data: Record<string, unknown>): Promise<void> {
      const { to, signal } = parseAction(signalAction, data);
      const { sessionId, peerId } = this.#identity!;
      if (to === peerId) throw new P2pError(Reasons.invalidMessage, "a peer cannot signal itself");
      return this.#serial(async () => {
        const members = await store.peers(sessionId);
        if (!members.includes(peerId)) throw notJoined(this.#identity!);
        if (!members.includes(to)) {
          throw new P2pError(Reasons.unknownPeer, `Peer "${to}" is not a member of session "${sessionId}"`);
        }
        await this.#send(sessionStreams.peer(sessionId, to), { type: "signal", from: peerId, signal });
        if (signal.type !== "candidate") await store.touch(sessionId, ttlSeconds);
      });
    }

    /** Connected peer-to-peer and about to close the cable socket: stay a member after unsubscribing. */
    detach(data: Record<string, unknown>): Promise<void> {
      parseAction(detachAction, data);
      return this.#serial(async () => {
        if (!this.#joined) throw notJoined(this.#identity!);
        this.#detached = true;
        await store.touch(this.#identity!.sessionId, ttlSeconds);
      });
    }

    /** Host only: removes a member the host saw die (heartbeat) and tells everyone `peer-left`. */
    drop(data: Record<string, unknown>): Promise<void> {
      const { peer } = parseAction(dropAction, data);
      const { sessionId, peerId } = this.#identity!;
      if (peer === peerId)
        throw new P2pError(Reasons.invalidMessage, 'the host cannot drop itself: use "leave"');
      return this.#serial(async () => {
        if ((await store.host(sessionId)) !== peerId) {
          throw new P2pError(Reasons.notHost, `Only the host of session "${sessionId}" may drop a peer`);
        }
        const result = await store.leave(sessionId, peer);
        if (!result.left) {
          throw new P2pError(Reasons.unknownPeer, `Peer "${peer}" is not a member of session "${sessionId}"`);
        }
        await this.#send(sessionStreams.session(sessionId), { type: "peer-left", peer });
      });
    }

    /** Leaves the session now (as unsubscribing without `detach` does). */
    leave(data: Record<string, unknown>): Promise<void> {
      parseAction(leaveAction, data);
      return this.#serial(() => this.#leave());
    }

    async #leave(): Promise<void> {
      const { sessionId, peerId } = this.#identity!;
      this.#joined = false;
      this.#detached = false;
      const result = await store.leave(sessionId, peerId);
      if (result.hostLeft) {
        this.logger.debug("session host left", { connection: this.connection.id });
        await this.#send(sessionStreams.session(sessionId), { type: "host-left", host: peerId });
      } else if (result.left) {
        await this.#send(sessionStreams.session(sessionId), { type: "peer-left", peer: peerId });
      }
    }

    #send(stream: string, message: SignalingMessage): Promise<void> {
      return this.broadcast(stream, message);
    }

    #serial(step: () => Promise<void>): Promise<void> {
      const run = this.#queue.then(step);
      this.#queue = run.catch(() => {});
      return run;
    }
  };
}

function notJoined({ sessionId }: SessionIdentity): P2pError {
  return new P2pError(Reasons.notJoined, `You have not joined session "${sessionId}": perform "join" first`);
}
