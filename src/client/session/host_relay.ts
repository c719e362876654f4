import { P2pError, Reasons } from "../../protocol/errors.js";
import type { SessionSignal } from "../../protocol/session_messages.js";
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
import { type StatusDelta, StatusMap } from "./status_map.js";
import {
  MessageTypes,
  type PeerStates,
  type SessionData,
  type SessionMessage,
  type SessionState,
} from "./types.js";

export interface HostRelayOptions {
  /** The host's own peer id. */
  selfId: string;
  link: PeerLinkSettings;
  /** A link that has not opened this long after `accept` is closed and forgotten (no `drop`). */
  negotiationTimeoutMs: number;
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

/** One client as the host sees it: its link, the membership it belongs to, its negotiation clock. */
interface Member {
  readonly peerId: string;
  readonly link: PeerLink;
  joinId: string | undefined;
  timer: unknown;
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

  constructor(options: HostRelayOptions) {
    this.#options = options;
    this.#status = new StatusMap({ [options.selfId]: "connected" });
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
    if (resume && old?.link.open) {
      old.joinId = joinId;
      old.link.restartIce();
      return;
    }
    if (old?.link.open) this.#retire(old);
    else if (old) this.#release(old);
    const link = new PeerLink({
      ...this.#options.link,
      peerId,
      side: "host",
      streams: this.#options.streams(),
      signal: (signal) => this.#options.signal(peerId, signal),
    });
    const member: Member = { peerId, link, joinId, timer: null };
    member.timer = this.#options.link.clock.setTimeout(
      () => this.#timedOut(member),
      this.#options.negotiationTimeoutMs,
    );
    this.#members.set(peerId, member);
    link.on("state", (state) => this.#linkChanged(member, state));
    link.on("message", (message) => {
      if (this.#members.get(peerId) === member) this.#relay(peerId, message);
    });
    link.on("stream", (stream) => this.#options.stream(peerId, stream));
    link.on("error", (error) => this.#options.error(error, peerId));
    this.#setState(peerId, "negotiating");
  }

  /** SDP/ICE from a client through the cable; from a peer without a link, ignored. */
  receiveSignal(from: string, signal: SessionSignal): void {
    this.#members.get(from)?.link.receiveSignal(signal);
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
    const sends = [...this.#members.values()].map(({ peerId, link }) =>
      link.send(bytes).catch((error) => this.#lost(peerId, error)),
    );
    return Promise.all([this.#localChain, ...sends]).then(() => undefined);
  }

  /** Streams media to every client, current and later. */
  addStream(stream: MediaStream): void {
    for (const { link } of this.#members.values()) link.addStream(stream);
  }

  /** Closes every link. */
  close(): void {
    for (const member of [...this.#members.values()]) this.#release(member);
  }

  #relay(from: string, message: DecodedMessage): void {
    if (message.envelope.t !== "d") return;
    const envelope = { ...message.envelope, s: from };
    const stamped = reEnvelope(message, envelope);
    for (const { peerId, link } of this.#members.values())
      link.send(stamped).catch((error) => this.#lost(peerId, error));
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

  #linkChanged(member: Member, state: SessionState): void {
    if (this.#members.get(member.peerId) !== member) return;
    if (state === "disconnected" || state === "failed") {
      this.#release(member);
      this.#options.drop(member.peerId, member.joinId);
      this.#forget(member.peerId);
      return;
    }
    if (state === "connected") this.#clearTimer(member);
    this.#setState(member.peerId, state);
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
    this.#members.delete(member.peerId);
    const { clock, heartbeat } = this.#options.link;
    const { link } = member;
    const timer = clock.setTimeout(() => link.close(), heartbeat.idleTimeoutMs);
    link.on("state", () => clock.clearTimeout(timer));
    link.send(encodeMessage({ t: "rp", s: this.#options.selfId })).catch(() => link.close());
  }

  #release(member: Member): void {
    this.#clearTimer(member);
    if (this.#members.get(member.peerId) === member) this.#members.delete(member.peerId);
    member.link.close();
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
    for (const { peerId, link } of this.#members.values()) {
      if (!link.open) continue;
      const bytes = peerId === connected ? encodeMessage({ ...envelope, t: "st" }, states) : deltaBytes;
      link.send(bytes).catch((error) => this.#lost(peerId, error));
    }
  }
}
