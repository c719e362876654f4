import { P2pError, Reasons } from "../../protocol/errors.js";
import type { RelayLimits, RelayMessage, SessionSignal } from "../../protocol/session_messages.js";
import { Backoff } from "./backoff.js";
import { DataPath, type RelayFrame } from "./data_path.js";
import {
  type DecodedMessage,
  decodeBody,
  decodeMessage,
  type Envelope,
  encodeMessage,
  reEnvelope,
} from "./message_codec.js";
import type { EncodedMessage } from "./outbox.js";
import { PeerLink, type PeerLinkSettings } from "./peer_link.js";
import type { RelayPacer } from "./relay_pacer.js";
import { type StatusDelta, StatusMap } from "./status_map.js";
import {
  type BackoffOptions,
  MessageTypes,
  type PeerStates,
  type SessionData,
  type SessionMessage,
  type SessionState,
  sessionDefaults,
} from "./types.js";

export interface HostRelayOptions {
  /** The host's own peer id. */
  selfId: string;
  link: PeerLinkSettings;
  /** A link that has not opened this long after `accept` is closed and forgotten (no `drop`). */
  negotiationTimeoutMs: number;
  /** The server's relay limits from `ready`; `null` (the default) when it does not relay session data. */
  relay?: RelayLimits | null;
  /** With `relay`: a member whose link has not opened this long after `accept` is `relayed` instead. Default `sessionDefaults.p2pTimeoutMs`. */
  p2pTimeoutMs?: number;
  /** Delays between attempts at peer-to-peer with a `relayed` member. Default `sessionDefaults.p2pRetry`. */
  p2pRetry?: BackoffOptions;
  /** Keep a link made ahead of the next member (`P2pSessionOptions.spareLink`). Default `false`. */
  spareLink?: boolean;
  /** The jitter of `p2pRetry`. Default `Math.random`. */
  random?: () => number;
  /** Performs one `relay` frame through the cable; `false` when the cable cannot take it now. */
  sendRelay?(frame: RelayFrame): boolean;
  /** Paces the relayed frames to every member together, below the socket's frame limit. */
  socketPacer?: RelayPacer;
  /** Sends SDP/ICE to one client through the cable. */
  signal(to: string, signal: SessionSignal): void;
  /** Tells the server a client's link died (heartbeat or channel closed), naming that membership. */
  drop(peerId: string, joinId: string | undefined): void;
  /** Delivers one message on the host's own page. */
  deliver(message: SessionMessage): void;
  statusChanged(states: PeerStates): void;
  stream(peerId: string, stream: MediaStream): void;
  error(error: P2pError, peerId: string): void;
  /** The host's streams, sent to every client, current and later. */
  streams(): readonly MediaStream[];
}

/** One client as the host sees it: its link, its data path, the membership it belongs to, its negotiation clock. */
interface Member {
  readonly peerId: string;
  /** `null` once a link that never opened died: the member is `relayed` until the next attempt. */
  link: PeerLink | null;
  path: DataPath;
  joinId: string | undefined;
  timer: unknown;
  /** Whether the link's data channel has opened. */
  opened: boolean;
  /** Whether it was sent the whole status map (`st`): it gets deltas after. */
  synced: boolean;
  /** While `relayed`: the delays before each new attempt at peer-to-peer. */
  retry: Backoff | null;
}

/**
 * A link made before the member it is for: its offer is made and its candidates gather meanwhile,
 * its signals held until `accept` gives it a member (then they go to that member, the held first).
 */
interface SpareLink {
  readonly link: PeerLink;
  readonly held: SessionSignal[];
}

/**
 * The host's side of a session: one `PeerLink` per client. Data from a client is stamped with the
 * id of the link it came on (never the id it claims), delivered on the host's page and relayed to
 * every client, the sender included, so each peer sees every message exactly once and all peers
 * see them in the host's order. A newly connected client gets the whole status map, the others
 * each change as a delta; a client that goes is shown `disconnected` once, then removed.
 */
export class HostRelay {
  readonly #options: HostRelayOptions;
  readonly #members = new Map<string, Member>();
  readonly #status: StatusMap;
  #localChain: Promise<void> = Promise.resolve();
  #spare: SpareLink | null = null;
  #spareTimer: unknown = null;
  #closed = false;

  constructor(options: HostRelayOptions) {
    this.#options = options;
    this.#status = new StatusMap({ [options.selfId]: "connected" });
    this.#scheduleSpare();
  }

  /** The status map: every member's state by peer id. */
  get states(): PeerStates {
    return this.#status.states;
  }

  /**
   * A client joined (`ready`). With `resume` and an open link to it, the link stays (a cable blip on
   * its side, or a client back on the cable for an ICE restart: the restart offer goes again); otherwise a fresh link replaces any old one (an open one is told it was replaced),
   * and the host offers.
   */
  accept(peerId: string, joinId?: string, resume = false): void {
    if (peerId === this.#options.selfId) return;
    const old = this.#members.get(peerId);
    if (resume && old?.link?.open) {
      old.joinId = joinId;
      old.link.restartIce();
      return;
    }
    if (old?.link?.open) this.#retire(old);
    else if (old) this.#release(old);
    const { link: settings } = this.#options;
    const relay = this.#options.relay ?? null;
    const member: Member = {
      peerId,
      link: null,
      path: null as unknown as DataPath,
      joinId,
      timer: null,
      opened: false,
      synced: false,
      retry: null,
    };
    member.path = new DataPath({
      peerId,
      join: joinId ?? "",
      relay,
      clock: settings.clock,
      logger: settings.logger,
      perform: (frame) => this.#options.sendRelay?.(frame) ?? false,
      socketPacer: this.#options.socketPacer,
      deliver: (message) => {
        if (this.#members.get(peerId) === member) this.#relay(peerId, message);
      },
      error: (error) => this.#options.error(error, peerId),
    });
    member.link = this.#createLink(member);
    member.timer = settings.clock.setTimeout(
      () => (relay ? this.#p2pTimedOut(member) : this.#timedOut(member)),
      relay ? this.#p2pTimeoutMs : this.#options.negotiationTimeoutMs,
    );
    this.#members.set(peerId, member);
    this.#setState(peerId, "negotiating");
  }

  /** SDP/ICE from a client through the cable; from a peer without a link, ignored. */
  receiveSignal(from: string, signal: SessionSignal): void {
    this.#members.get(from)?.link?.receiveSignal(signal);
  }

  /** A frame a member relayed through the cable; one for no current path of that member is ignored. */
  receiveRelay({ from, join, seq, data }: RelayMessage): void {
    const member = this.#members.get(from);
    if (member?.path.join === join) member.path.receiveRelay(seq, data);
    else this.#options.link.logger.debug("ignored a relayed frame for no current path", { from, join, seq });
  }

  /** The server refused a frame this host relayed to `to`; `unknown_peer`: that member is gone (its lease lapsed). */
  relayRefused(to: string | undefined, seq: number | undefined, reason: string, message: string): void {
    const member = to === undefined ? undefined : this.#members.get(to);
    if (reason === Reasons.unknownPeer) {
      if (member && !member.opened) {
        this.#options.link.logger.info("relayed member is no longer in the session: forgotten", { peer: to });
        this.peerLeft(member.peerId);
      }
      return;
    }
    if (member && seq !== undefined) member.path.refused(seq, reason, message);
    else this.#options.error(new P2pError(Reasons.relayLimited, message), to ?? this.#options.selfId);
  }

  /** The server says a client left: its link goes, and it leaves the status map. */
  peerLeft(peerId: string): void {
    const member = this.#members.get(peerId);
    if (!member) return;
    this.#release(member);
    this.#forget(peerId);
  }

  /** Sends the host's own data: delivered here first, then to every client. */
  send(data: SessionData): Promise<void> {
    const bytes = encodeMessage({ t: "d", s: this.#options.selfId }, data);
    return this.sendEncoded(bytes);
  }

  /** Sends a message a client queued before this page became host (already stamped with its id). */
  sendEncoded(bytes: EncodedMessage): Promise<void> {
    this.#localChain = this.#localChain.then(async () => {
      this.#deliver(this.#options.selfId, decodeMessage(await bytes));
    });
    const sends = [...this.#members.values()].map(({ peerId, path }) =>
      path.send(bytes).catch((error) => this.#lost(peerId, error)),
    );
    return Promise.all([this.#localChain, ...sends]).then(() => undefined);
  }

  /** Streams media to every client, current and later. */
  addStream(stream: MediaStream): void {
    for (const { link } of this.#members.values()) link?.addStream(stream);
    // The spare's offer has no room for it: a fresh spare is made with every stream.
    this.#replaceSpare();
  }

  /** The session's ICE configuration changed (fresh TURN credentials): the spare gathered under the old one. */
  configurationChanged(): void {
    this.#replaceSpare();
  }

  /** Closes every link. */
  close(): void {
    this.#closed = true;
    this.#dropSpare();
    for (const member of [...this.#members.values()]) this.#release(member);
  }

  #relay(from: string, message: DecodedMessage): void {
    if (message.envelope.t !== "d") return;
    const envelope = { ...message.envelope, s: from };
    const stamped = reEnvelope(message, envelope);
    for (const { peerId, path } of this.#members.values())
      path.send(stamped).catch((error) => this.#lost(peerId, error));
    // Delivered here after it is queued to every client: a host that answers at once (a bot) must
    // not have its answer reach the clients before the message it answers.
    this.#deliver(from, { envelope, body: message.body });
  }

  #deliver(senderId: string, message: DecodedMessage): void {
    try {
      this.#options.deliver({ type: MessageTypes.data, senderId, data: decodeBody(message) });
    } catch (error) {
      this.#lost(senderId, error);
    }
  }

  /** A send to one client failed: a closed channel is that client's `disconnected`, anything else is an error. */
  #lost(peerId: string, error: unknown): void {
    if (error instanceof P2pError && error.reason === Reasons.channelClosed) return;
    this.#options.error(
      error instanceof P2pError
        ? error
        : new P2pError(Reasons.invalidMessage, String(error), { cause: error }),
      peerId,
    );
  }

  // --- links coming and going ---------------------------------------------------

  #createLink(member: Member): PeerLink {
    const { peerId } = member;
    const link =
      this.#claimSpare(peerId) ?? this.#newLink(peerId, (signal) => this.#options.signal(peerId, signal));
    this.#scheduleSpare();
    const current = () => this.#members.get(peerId) === member && member.link === link;
    link.on("state", (state) => {
      if (current()) this.#linkChanged(member, link, state);
    });
    link.on("message", (message) => {
      if (current()) member.path.receiveFromLink(message);
    });
    link.on("stream", (stream) => this.#options.stream(peerId, stream));
    link.on("error", (error) => this.#options.error(error, peerId));
    return link;
  }

  /** A host-side link with the host's streams, its signals handed to `signal`. */
  #newLink(peerId: string, signal: (signal: SessionSignal) => void): PeerLink {
    return new PeerLink({
      ...this.#options.link,
      peerId,
      side: "host",
      streams: this.#options.streams(),
      signal,
    });
  }

  // --- the spare link -------------------------------------------------------------

  /** Makes a spare a task later: the `ready` that took the last one is answered first. */
  #scheduleSpare(): void {
    if (!this.#options.spareLink || this.#closed || this.#spare || this.#spareTimer !== null) return;
    this.#spareTimer = this.#options.link.clock.setTimeout(() => {
      this.#spareTimer = null;
      if (this.#closed || this.#spare) return;
      // Its peer is "" until claimed: held until then, sent to the member that claimed it after.
      const spare: SpareLink = {
        held: [],
        link: this.#newLink("", (signal) => {
          if (spare.link.peerId === "") spare.held.push(signal);
          else this.#options.signal(spare.link.peerId, signal);
        }),
      };
      spare.link.on("error", (error) => {
        if (this.#spare !== spare) return;
        this.#options.link.logger.warn("spare link failed: made again for the next member", {
          error: error.message,
        });
        this.#replaceSpare();
      });
      this.#spare = spare;
    }, 0);
  }

  /** The spare, now `peerId`'s link, with what it signalled so far sent to `peerId`; `null` without one. */
  #claimSpare(peerId: string): PeerLink | null {
    const spare = this.#spare;
    this.#spare = null;
    if (!spare) return null;
    if (spare.link.state !== "negotiating") {
      spare.link.close();
      return null;
    }
    spare.link.assign(peerId);
    for (const signal of spare.held.splice(0)) this.#options.signal(peerId, signal);
    return spare.link;
  }

  #replaceSpare(): void {
    this.#dropSpare();
    this.#scheduleSpare();
  }

  #dropSpare(): void {
    if (this.#spareTimer !== null) {
      this.#options.link.clock.clearTimeout(this.#spareTimer);
      this.#spareTimer = null;
    }
    this.#spare?.link.close();
    this.#spare = null;
  }

  #linkChanged(member: Member, link: PeerLink, state: SessionState): void {
    if (state === "disconnected" || state === "failed") {
      if (this.#options.relay && !member.opened) {
        // Peer-to-peer failed before it ever opened: the member stays, its data through the cable.
        this.#options.link.logger.info("link to a member failed before opening: relayed", {
          peer: member.peerId,
        });
        member.link = null;
        this.#clearTimer(member);
        this.#relayed(member);
        return;
      }
      this.#release(member);
      this.#options.drop(member.peerId, member.joinId);
      this.#forget(member.peerId);
      return;
    }
    if (state === "connected") {
      member.opened = true;
      this.#clearTimer(member);
      this.#stopRelaying(member);
      member.path.linkOpened(link);
    } else if (this.#status.states[member.peerId] === "relayed") {
      return; // still relayed while the link goes on trying
    }
    this.#setState(member.peerId, state);
  }

  get #p2pTimeoutMs(): number {
    return this.#options.p2pTimeoutMs ?? sessionDefaults.p2pTimeoutMs;
  }

  #p2pTimedOut(member: Member): void {
    member.timer = null;
    if (this.#members.get(member.peerId) !== member || member.opened) return;
    this.#options.link.logger.info("link did not open in time: relayed", {
      peer: member.peerId,
      timeoutMs: this.#p2pTimeoutMs,
    });
    this.#relayed(member);
  }

  /**
   * The member's data goes through the cable for now: beat through it, and try peer-to-peer again
   * later (a network that blocked it may have changed, a TURN server may be back).
   */
  #relayed(member: Member): void {
    this.#setState(member.peerId, "relayed");
    const { heartbeat, logger } = this.#options.link;
    member.path.beatThroughCable(heartbeat, (silentForMs) => {
      if (this.#members.get(member.peerId) !== member) return;
      logger.info("relayed member silent: gone", { peer: member.peerId, silentForMs });
      this.#release(member);
      this.#options.drop(member.peerId, member.joinId);
      this.#forget(member.peerId);
    });
    // Half the delay fixed, half jittered: an attempt (and the link it replaces) always gets a while to open.
    const random = this.#options.random ?? Math.random;
    member.retry ??= new Backoff(
      this.#options.p2pRetry ?? sessionDefaults.p2pRetry,
      () => 0.5 + random() / 2,
    );
    this.#scheduleRetry(member);
  }

  #scheduleRetry(member: Member): void {
    if (member.timer !== null || !member.retry) return;
    const { clock } = this.#options.link;
    member.timer = clock.setTimeout(() => {
      member.timer = null;
      if (this.#members.get(member.peerId) !== member || member.opened) return;
      // ICE checking or connected: the attempt is getting somewhere (the other side's channel may be
      // open already), so it is left to open, or to fail, which schedules the next one.
      if (member.link?.iceProgressing) return this.#scheduleRetry(member);
      this.#options.link.logger.info("trying peer-to-peer again with a relayed member", {
        peer: member.peerId,
        attempt: member.retry?.attempts,
      });
      // An attempt whose ICE never got to checking is stuck (no candidates): a fresh connection replaces it.
      member.link?.close();
      member.link = this.#createLink(member);
      member.timer = clock.setTimeout(() => {
        member.timer = null;
        if (this.#members.get(member.peerId) === member && !member.opened) this.#scheduleRetry(member);
      }, this.#p2pTimeoutMs);
    }, member.retry.next());
  }

  /** Peer-to-peer opened: the link beats now, and nothing is tried again. */
  #stopRelaying(member: Member): void {
    member.path.stopBeating();
    member.retry = null;
  }

  // Without `drop`: the client's own timeout makes it join again, and a dead one's lease lapses.
  #timedOut(member: Member): void {
    member.timer = null;
    if (this.#members.get(member.peerId) !== member) return;
    this.#options.link.logger.info("link did not open in time: forgotten", {
      peer: member.peerId,
      timeoutMs: this.#options.negotiationTimeoutMs,
    });
    this.#release(member);
    this.#forget(member.peerId);
  }

  /**
   * A plain `join` of a peer whose link is open: a page that gave its link up has closed it, so
   * whoever still listens on it is another page of the same peer, replaced by the one joining now.
   * It is told so (`rp`), and the link closes when it hangs up, or after the heartbeat's idle timeout.
   */
  #retire(member: Member): void {
    this.#clearTimer(member);
    this.#stopRelaying(member);
    this.#members.delete(member.peerId);
    closePath(member);
    const { clock, heartbeat } = this.#options.link;
    const link = member.link;
    if (!link) return;
    const timer = clock.setTimeout(() => link.close(), heartbeat.idleTimeoutMs);
    link.on("state", () => clock.clearTimeout(timer));
    link.send(encodeMessage({ t: "rp", s: this.#options.selfId })).catch(() => link.close());
  }

  #release(member: Member): void {
    this.#clearTimer(member);
    this.#stopRelaying(member);
    if (this.#members.get(member.peerId) === member) this.#members.delete(member.peerId);
    member.link?.close();
    closePath(member);
  }

  #clearTimer(member: Member): void {
    if (member.timer === null) return;
    this.#options.link.clock.clearTimeout(member.timer);
    member.timer = null;
  }

  // --- the status map -------------------------------------------------------------

  /** A client is gone: everyone sees it `disconnected` once, then it leaves the map. */
  #forget(peerId: string): void {
    this.#setState(peerId, "disconnected");
    const removed = this.#status.remove(peerId);
    if (removed) this.#broadcast(removed, null);
  }

  #setState(peerId: string, state: SessionState): void {
    const delta = this.#status.set(peerId, state);
    if (delta) this.#broadcast(delta, state === "connected" ? peerId : null);
  }

  /** Tells the page, then every open link: the whole map to the one just connected, the delta to the rest. */
  #broadcast(delta: StatusDelta, connected: string | null): void {
    const states = this.#status.states;
    this.#options.statusChanged(states);
    const envelope: Envelope = { t: "sd", s: this.#options.selfId };
    const deltaBytes = encodeMessage(envelope, delta as SessionData);
    for (const member of this.#members.values()) {
      const { peerId, path } = member;
      if (!path.usable) continue;
      const whole = !member.synced || peerId === connected;
      member.synced = true;
      const bytes = whole ? encodeMessage({ ...envelope, t: "st" }, states) : deltaBytes;
      path.send(bytes).catch((error) => this.#lost(peerId, error));
    }
  }
}

/** Closes a member's path: what it had not handed over is lost with the member (`channel_closed`). */
function closePath(member: Member): void {
  for (const pending of member.path.close()) {
    pending.reject(new P2pError(Reasons.channelClosed, `No path to ${member.peerId} any more`));
  }
}
