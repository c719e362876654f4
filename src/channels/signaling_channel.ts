import { randomUUID } from "node:crypto";
import type { ChannelClass } from "../cable/channel.js";
import { type SessionIdentity, sessionStreams, verifySessionToken } from "../identity/session_token.js";
import { checkIceOptions, type IceOptions, iceConfiguration } from "../identity/turn_credentials.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import {
  type IceServersMessage,
  SIGNALING_CHANNEL,
  type SignalingMessage,
} from "../protocol/session_messages.js";
import { type SessionStore, storeDefaults } from "../store/adapter.js";
import { RelayBudget, type RelayOptions, relayLimits } from "./relay_budget.js";
import { parseAction } from "./schemas/parse_action.js";
import { dropAction, emptyAction, joinAction, relayAction, signalAction } from "./schemas/session_actions.js";
import { signalingParams } from "./schemas/subscribe_params.js";
import { isClaim, type SessionClaim } from "./session_claim.js";
import { LeaseRefresher } from "./session_lease.js";
import { TokenChannel } from "./token_channel.js";

/** How `createSignalingChannel` keeps sessions: the store, the most members, expiry and leases. */
export interface SignalingChannelOptions {
  /** Where members and hosts live: `MemorySessionStore` in one process, `RedisSessionStore` for N. */
  store: SessionStore;
  /** Most members of one session, host included. Default unlimited. */
  maxPeers?: number;
  /** Seconds of inactivity before a session expires. Default the store's (one hour). */
  ttlSeconds?: number;
  /**
   * How long a membership lasts without being refreshed; every joined subscription refreshes its
   * own every `leaseMs / 4`. A host whose server died is replaced after about this long.
   * Default `storeDefaults.leaseMs` (4000).
   */
  leaseMs?: number;
  /**
   * STUN/TURN of the deployment: each `join` is answered (before its `ready`) with an
   * `ice-servers` message holding TURN credentials minted for the joining peer, and so is the
   * `ice_servers` action, which clients perform to refresh them before they expire.
   */
  ice?: IceOptions;
  /**
   * Session data through the server (`relay`) between the host and a member whose data channel is
   * not open, within `RelayLimits` per sender and addressee (defaults `relayDefaults`), announced
   * in every `ready`. `false`: nothing is relayed (`relay_disabled`), and members wait for their
   * data channel as before. Default on.
   */
  relay?: false | RelayOptions;
}

// How long a subscription trusts the session's member list it read for `relay` (a store read per
// frame would cost a Redis round trip each): a peer that just left may get frames this long.
const RELAY_MEMBERS_MS = 1000;

/**
 * The signaling of one-to-many sessions (docs/protocol.md, "Sessions"): `join` elects the host
 * through the store and leases the membership, `signal` relays SDP and ICE between the host and
 * a member only, with `from` stamped from the subscription's token, and the host leaving (or its
 * lease lapsing) resets the session (`host-left`). A second subscription of the same peer
 * replaces the first. Identifier `{"channel":"SignalingChannel","token":"<signSessionToken(…)>"}`.
 *
 * @example
 * const cable = new CableServer({
 *   channels: [createSignalingChannel({ store: new MemorySessionStore(), maxPeers: 8 })],
 *   secret: process.env.P2P_SECRET,
 * });
 */
export function createSignalingChannel(options: SignalingChannelOptions): ChannelClass {
  const { store, maxPeers, ttlSeconds, leaseMs = storeDefaults.leaseMs } = options;
  const ice = options.ice && checkIceOptions(options.ice);
  const iceMinted = ice && (ice.turnUrls.length > 0 || ice.stunUrls.length > 0) ? ice : undefined;
  const relay = options.relay === false ? undefined : relayLimits(options.relay);
  const relayObserver = options.relay === false ? undefined : options.relay?.observer;
  if (!store) throw new TypeError("createSignalingChannel needs a `store` (e.g. new MemorySessionStore())");
  if (maxPeers !== undefined && !(Number.isInteger(maxPeers) && maxPeers > 0)) {
    throw new TypeError(`maxPeers must be a positive integer, got ${maxPeers}`);
  }
  if (ttlSeconds !== undefined && !(ttlSeconds > 0 && Number.isFinite(ttlSeconds))) {
    throw new TypeError(`ttlSeconds must be a positive number of seconds, got ${ttlSeconds}`);
  }
  if (!(leaseMs >= 4 && Number.isFinite(leaseMs))) {
    throw new TypeError(`leaseMs must be a number of milliseconds of at least 4, got ${leaseMs}`);
  }

  const detachAction = emptyAction("detach");
  const leaveAction = emptyAction("leave");
  const iceServersAction = emptyAction("ice_servers");

  return class SignalingChannel extends TokenChannel<SessionIdentity> {
    static override readonly channelName = SIGNALING_CHANNEL;
    static override readonly actions: readonly string[] = [
      "join",
      "signal",
      "detach",
      "drop",
      "leave",
      "ice_servers",
      "relay",
    ];

    /** This subscription's current membership; `undefined` until it joins, after it leaves or lapses. */
    #joinId: string | undefined;
    /** The membership a `join` in flight is creating: a claim on it may arrive before the reply. */
    #joining: string | undefined;
    #detached = false;
    #replaced = false;
    #lease: LeaseRefresher | undefined;
    // Actions of one subscription run one after another, in the order they arrived: an offer is
    // never overtaken by its candidates, and an unsubscribe sees the join that came before it.
    #queue: Promise<unknown> = Promise.resolve();
    /** What this subscription may still relay, per addressee. */
    readonly #budgets = new Map<string, RelayBudget>();
    #members: { at: number; peers: string[] } | undefined;

    protected override verifyToken(token: unknown): SessionIdentity {
      return verifySessionToken(this.cable.signer, token);
    }

    protected override get paramsSchema(): typeof signalingParams {
      return signalingParams;
    }

    protected override async subscribed(): Promise<void> {
      const identity = this.admit("session subscription");
      if (!identity) return;
      const { sessionId, peerId } = identity;
      this.#lease = new LeaseRefresher({
        store,
        identity,
        leaseMs,
        ttlSeconds,
        logger: this.logger,
        connection: this.connection.id,
        hostLapsed: (host) => this.#send(sessionStreams.session(sessionId), { type: "host-left", host }),
        gone: (joinId) => {
          if (this.#joinId === joinId) this.#joinId = undefined;
        },
      });
      await this.streamFrom(sessionStreams.session(sessionId));
      await this.streamFrom(sessionStreams.peer(sessionId, peerId), (message) => this.#fromPeer(message));
      if (this.params.join === true) this.#joinOnSubscribe();
    }

    /**
     * `"join": true` in the identifier: a plain `join` now, as if the client performed it once
     * confirmed, one round trip sooner. Its `ready` (and a refusal's error) are held until the confirm.
     */
    #joinOnSubscribe(): void {
      this.join({}).catch((error: unknown) => {
        if (error instanceof P2pError) {
          this.logger.info("join on subscribe refused", {
            connection: this.connection.id,
            reason: error.reason,
          });
          this.transmitError(error.reason, error.message);
          return;
        }
        this.logger.error("join on subscribe failed", {
          connection: this.connection.id,
          error: String(error),
        });
        this.transmitError(Reasons.actionFailed, 'The "join" action failed on the server');
      });
    }

    protected override async unsubscribed(): Promise<void> {
      if (!this.admitted || this.rejected) return;
      this.#lease?.stop();
      await this.#serial(async () => {
        // A dropped socket (or a dying server) leaves nothing: the lease lapses unless it comes back.
        const leaves =
          this.closeCause === "unsubscribe" &&
          !this.#replaced &&
          this.#joinId !== undefined &&
          !this.#detached;
        if (leaves) await this.#leave();
        this.#lease?.stop();
        this.logger.debug("session subscription closed", {
          connection: this.connection.id,
          cause: this.closeCause,
          left: leaves,
        });
      });
    }

    /** Joins the session as a new membership (the first member is host) and tells everyone `ready`. */
    join(data: Record<string, unknown>): Promise<void> {
      this.#checkCurrent();
      const { resume } = parseAction(joinAction, data);
      return this.#step(async () => {
        const { sessionId, peerId } = this.identity;
        const previous = this.#joinId;
        const joinId = randomUUID();
        this.#joining = joinId;
        const result = await store
          .join(sessionId, peerId, { maxPeers, ttlSeconds, leaseMs, joinId })
          .finally(() => {
            this.#joining = undefined;
          });
        if (this.#replaced) return; // another subscription claimed this membership meanwhile
        this.#joinId = joinId;
        this.#detached = false;
        this.logger.debug("session joined", {
          connection: this.connection.id,
          peer: peerId,
          isHost: result.isHost,
        });
        if (result.expiredHost) {
          this.logger.info("session host lease lapsed", { connection: this.connection.id });
          await this.#send(sessionStreams.session(sessionId), {
            type: "host-left",
            host: result.expiredHost,
          });
        }
        if (result.replaced && result.replaced !== previous) {
          await this.#send(sessionStreams.peer(sessionId, peerId), {
            type: "claim",
            replaces: result.replaced,
          });
        }
        if (this.state !== "closed") this.#lease!.start(joinId);
        this.#sendIceServers();
        await this.#send(sessionStreams.session(sessionId), {
          type: "ready",
          host: result.host,
          peer: peerId,
          peers: result.peers,
          joinId,
          ...(resume ? { resume } : {}),
          ...(relay ? { relay } : {}),
        });
      });
    }

    /** Relays SDP or ICE between the host and a member, stamped with the caller's id. */
    signal(data: Record<string, unknown>): Promise<void> {
      this.#checkCurrent();
      const { to, signal } = parseAction(signalAction, data);
      const { sessionId, peerId } = this.identity;
      if (to === peerId) throw new P2pError(Reasons.invalidMessage, "a peer cannot signal itself");
      return this.#step(async () => {
        const members = await store.peers(sessionId);
        if (this.#joinId === undefined || !members.includes(peerId)) throw notJoined(this.identity);
        if (!members.includes(to)) {
          throw new P2pError(Reasons.unknownPeer, `Peer "${to}" is not a member of session "${sessionId}"`);
        }
        const host = members[0];
        if (peerId !== host && to !== host) {
          throw new P2pError(
            Reasons.signalForbidden,
            `Peer "${peerId}" may signal only the host of session "${sessionId}" ("${host}"), not "${to}"`,
          );
        }
        await this.#send(sessionStreams.peer(sessionId, to), { type: "signal", from: peerId, signal });
        if (signal.type !== "candidate") await store.touch(sessionId, ttlSeconds);
      });
    }

    /**
     * One frame of session data between the host and a member, stamped with the caller's id, for a
     * data channel that is not open. Refused to the caller alone, with `to` and `seq` so it can send
     * that frame again: over its rate (`relay_limited`), too long (`relay_too_large`), or on a server
     * that does not relay (`relay_disabled`).
     */
    relay(data: Record<string, unknown>): Promise<void> | undefined {
      this.#checkCurrent();
      const { sessionId, peerId } = this.identity;
      if (!relay) {
        relayObserver?.refused(Reasons.relayDisabled);
        throw new P2pError(
          Reasons.relayDisabled,
          `This server does not relay session data: wait for the data channel`,
        );
      }
      const { to, join, seq, data: frame } = parseAction(relayAction, data);
      if (to === peerId) throw new P2pError(Reasons.invalidMessage, "a peer cannot relay to itself");
      if (frame.length > relay.maxBytes) {
        return this.#refuseRelay(
          Reasons.relayTooLarge,
          `relay "data" of ${frame.length} characters is over the server's ${relay.maxBytes}: not relayed`,
          to,
          seq,
        );
      }
      let budget = this.#budgets.get(to);
      if (!budget) {
        budget = new RelayBudget(relay);
        this.#budgets.set(to, budget);
      }
      if (!budget.take(frame.length)) {
        const { messagesPerSecond, bytesPerSecond } = relay;
        return this.#refuseRelay(
          Reasons.relayLimited,
          `Relaying to "${to}" over ${messagesPerSecond} frames or ${bytesPerSecond} bytes a second: frame ${seq} was not relayed`,
          to,
          seq,
        );
      }
      return this.#step(async () => {
        // The cached member list may be older than a reset or a join: a frame it refuses is
        // checked again against the store before it is refused.
        let members = await this.#relayMembers();
        if (relayProblem(members, peerId, to) !== null) members = await this.#relayMembers(true);
        const problem = this.#joinId === undefined ? "not_joined" : relayProblem(members, peerId, to);
        if (problem === "not_joined") throw notJoined(this.identity);
        if (problem === "unknown_peer") {
          // With `to` and `seq`: the host learns that a relayed member whose lease lapsed is gone.
          this.#refuseRelay(
            Reasons.unknownPeer,
            `Peer "${to}" is not a member of session "${sessionId}"`,
            to,
            seq,
          );
          return;
        }
        if (problem === "forbidden") {
          throw new P2pError(
            Reasons.signalForbidden,
            `Peer "${peerId}" may relay only to the host of session "${sessionId}" ("${members[0]}"), not "${to}"`,
          );
        }
        await this.#send(sessionStreams.peer(sessionId, to), {
          type: "relay",
          from: peerId,
          join,
          seq,
          data: frame,
        });
        relayObserver?.relayed(frame.length);
      });
    }

    #refuseRelay(reason: string, message: string, to: string, seq: number): undefined {
      relayObserver?.refused(reason);
      this.transmit({ type: "error", reason, message, to, seq });
      return undefined;
    }

    /** The session's members, host first, read from the store at most once a `RELAY_MEMBERS_MS` (or now, `fresh`). */
    async #relayMembers(fresh = false): Promise<string[]> {
      const now = performance.now();
      const cached = this.#members;
      if (!fresh && cached && now - cached.at < RELAY_MEMBERS_MS) return cached.peers;
      const peers = await store.peers(this.identity.sessionId);
      this.#members = { at: now, peers };
      return peers;
    }

    /** Connected peer-to-peer and about to close the cable socket: the membership stays, unleased. */
    detach(data: Record<string, unknown>): Promise<void> {
      this.#checkCurrent();
      parseAction(detachAction, data);
      return this.#step(async () => {
        const { sessionId, peerId } = this.identity;
        const joinId = this.#joinId;
        if (joinId === undefined || !(await store.detach(sessionId, peerId, joinId))) {
          throw notJoined(this.identity);
        }
        this.#detached = true;
      });
    }

    /** Host only: removes a member the host saw die (heartbeat) and tells everyone `peer-left`. */
    drop(data: Record<string, unknown>): Promise<void> {
      this.#checkCurrent();
      const { peer, joinId } = parseAction(dropAction, data);
      const { sessionId, peerId } = this.identity;
      if (peer === peerId)
        throw new P2pError(Reasons.invalidMessage, 'the host cannot drop itself: use "leave"');
      return this.#step(async () => {
        if (this.#joinId === undefined || (await store.host(sessionId)) !== peerId) {
          throw new P2pError(Reasons.notHost, `Only the host of session "${sessionId}" may drop a peer`);
        }
        // Not a member (any more), or a membership it has replaced since: nothing to do.
        const result = await store.leave(sessionId, peer, joinId === undefined ? {} : { joinId });
        if (result.hostLeft)
          await this.#send(sessionStreams.session(sessionId), { type: "host-left", host: peer });
        else if (result.left)
          await this.#send(sessionStreams.session(sessionId), { type: "peer-left", peer });
      });
    }

    /** Fresh TURN credentials for this peer (`ice-servers`); nothing without the channel's `ice`. */
    ice_servers(data: Record<string, unknown>): void {
      this.#checkCurrent();
      parseAction(iceServersAction, data);
      this.#sendIceServers();
    }

    #sendIceServers(): void {
      if (!iceMinted) return;
      const message: IceServersMessage = {
        type: "ice-servers",
        ...iceConfiguration(iceMinted, this.identity.peerId),
      };
      this.transmit(message);
    }

    /** Leaves the session now (as unsubscribing without `detach` does). */
    leave(data: Record<string, unknown>): Promise<void> {
      this.#checkCurrent();
      parseAction(leaveAction, data);
      return this.#step(() => this.#leave());
    }

    async #leave(): Promise<void> {
      const { sessionId, peerId } = this.identity;
      const joinId = this.#joinId;
      this.#joinId = undefined;
      this.#detached = false;
      this.#lease?.stop();
      if (joinId === undefined) return;
      const result = await store.leave(sessionId, peerId, { joinId });
      if (result.hostLeft) {
        this.logger.debug("session host left", { connection: this.connection.id });
        await this.#send(sessionStreams.session(sessionId), { type: "host-left", host: peerId });
      } else if (result.left) {
        await this.#send(sessionStreams.session(sessionId), { type: "peer-left", peer: peerId });
      }
    }

    /** The peer stream: claims stay on the server, everything else goes to the client. */
    #fromPeer(message: unknown): void {
      if (!isClaim(message)) this.transmit(message);
      else if (!this.#replaced && (message.replaces === this.#joinId || message.replaces === this.#joining)) {
        this.#replace();
      }
    }

    /** Another subscription of this peer joined: this one stops, for good, and never leaves. */
    #replace(): void {
      this.#replaced = true;
      this.#joinId = undefined;
      this.#lease?.stop();
      const error = replacedError(this.identity);
      this.logger.info("session subscription replaced", { connection: this.connection.id });
      this.transmitError(error.reason, error.message);
      this.stopAllStreams().catch((cause: unknown) =>
        this.logger.warn("session streams did not stop", { error: String(cause) }),
      );
    }

    #checkCurrent(): void {
      if (this.#replaced) throw replacedError(this.identity);
    }

    #send(stream: string, message: SignalingMessage | SessionClaim): Promise<void> {
      return this.broadcast(stream, message);
    }

    /** A step of an action, refused if the subscription was replaced while it waited its turn. */
    #step(step: () => Promise<void>): Promise<void> {
      return this.#serial(async () => {
        this.#checkCurrent();
        await step();
      });
    }

    #serial(step: () => Promise<void>): Promise<void> {
      const run = this.#queue.then(step);
      this.#queue = run.catch(() => {});
      return run;
    }
  };
}

/** Why `from` may not relay to `to` among `members` (host first), `null` when it may. */
function relayProblem(
  members: string[],
  from: string,
  to: string,
): "not_joined" | "unknown_peer" | "forbidden" | null {
  if (!members.includes(from)) return "not_joined";
  if (!members.includes(to)) return "unknown_peer";
  return from === members[0] || to === members[0] ? null : "forbidden";
}

function notJoined({ sessionId }: SessionIdentity): P2pError {
  return new P2pError(Reasons.notJoined, `You have not joined session "${sessionId}": perform "join" first`);
}

function replacedError({ sessionId, peerId }: SessionIdentity): P2pError {
  return new P2pError(
    Reasons.replaced,
    `Another subscription joined session "${sessionId}" as peer "${peerId}": this one is replaced and stops`,
  );
}
