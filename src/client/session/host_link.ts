import { P2pError, Reasons } from "../../protocol/errors.js";
import type { RelayLimits, RelayMessage, SessionSignal } from "../../protocol/session_messages.js";
import { DataPath, type PendingMessage, type RelayFrame } from "./data_path.js";
import { type DecodedMessage, decodeBody } from "./message_codec.js";
import type { EncodedMessage } from "./outbox.js";
import { PeerLink, type PeerLinkSettings } from "./peer_link.js";
import { type StatusDelta, StatusMap } from "./status_map.js";
import { MessageTypes, type PeerStates, type SessionMessage, sessionDefaults } from "./types.js";

export interface HostLinkOptions {
  /** The host, as the last `ready` named it: the only peer whose offer is taken. */
  host: string;
  link: PeerLinkSettings;
  /** The link must open this long after the `ready` naming this peer (or its creation). */
  negotiationTimeoutMs: number;
  /** With a server that relays: the link not open this long after the `ready` makes the peer `relayed`. Default `sessionDefaults.p2pTimeoutMs`. */
  p2pTimeoutMs?: number;
  /** The server's relay limits from the last `ready`; `null` (the default) when it does not relay. */
  relay?(): RelayLimits | null;
  /** Performs one `relay` frame through the cable; `false` when the cable cannot take it now. */
  sendRelay?(frame: RelayFrame): boolean;
  /** Peer-to-peer did not open in time or failed before it did: data goes through the server. */
  relayed?(): void;
  /** The data channel is open and nothing is left on the cable for this link: the cable may go. */
  settled?(): void;
  /** This page's streams, sent to the host. */
  streams: readonly MediaStream[];
  /** Sends SDP/ICE to the host through the cable. */
  signal(signal: SessionSignal): void;
  /** The link is negotiating or connecting. */
  progressed(state: "negotiating" | "connecting"): void;
  /** The data channel opened. */
  opened(): void;
  /**
   * ICE lost its path (`interrupted`): the host will restart ICE through the cable, so the page
   * must be on it; or found one again (`restored`).
   */
  iceChanged(state: "interrupted" | "restored"): void;
  /** The link died (channel closed, heartbeat silent, negotiation failed). */
  lost(): void;
  /** The link did not open in time; it is closed already. */
  timedOut(error: P2pError): void;
  /** The host says another page of this peer joined and took the link's place: final. */
  replaced(): void;
  /** Data from a peer, relayed by the host. */
  message(message: SessionMessage): void;
  /** The host's status map, merged: the whole map every time. */
  statusChanged(states: PeerStates): void;
  stream(stream: MediaStream): void;
  error(error: P2pError): void;
}

/**
 * A client's link to its host. It takes offers only from the host the server named (a member
 * cannot take the link over), gives a negotiation `negotiationTimeoutMs` to open, and mirrors the
 * host's status map from the whole map and the deltas that follow it.
 */
export class HostLink {
  readonly host: string;
  readonly #options: HostLinkOptions;
  readonly #status = new StatusMap();
  #link: PeerLink | null = null;
  #timer: unknown = null;
  #path: DataPath | null = null;
  /** This peer's join id from its last `ready`. */
  #join: string | null = null;
  #relayed = false;
  /** Relayed frames for a path not made yet (they crossed this peer's own `ready`). */
  readonly #early: RelayMessage[] = [];

  constructor(options: HostLinkOptions) {
    this.host = options.host;
    this.#options = options;
  }

  /** Whether the data channel to the host is open. */
  get open(): boolean {
    return this.#link?.open ?? false;
  }

  /** Whether `send` goes somewhere now: the data channel is open, or the server relays. */
  get ready(): boolean {
    return this.#path?.usable ?? false;
  }

  /** Whether the data channel is open and the cable has nothing left to carry for this link. */
  get settled(): boolean {
    return this.#path?.settled ?? this.open;
  }

  /** Whether peer-to-peer gave up for now and data goes through the server. */
  get relayed(): boolean {
    return this.#relayed;
  }

  /** Whether the link is open but its ICE lost its path (a restart is due or under way). */
  get interrupted(): boolean {
    return this.#link?.interrupted ?? false;
  }

  /** The host's status map as merged here. */
  get states(): PeerStates {
    return this.#status.states;
  }

  /**
   * The `ready` of this peer's join `joinId` arrived. Unless the link is open (a resuming join), a
   * fresh path starts (taking over what the last one had not handed over), and the host's offer
   * should follow within the timeout.
   */
  expectOffer(joinId?: string): void {
    if (joinId !== undefined) this.#join = joinId;
    if (this.open) return;
    this.#relayed = false;
    this.#path?.stopBeating();
    if (joinId !== undefined) this.#newPath(joinId);
    this.#startTimer();
  }

  /** A frame the host relayed through the cable; taken only from the host, for this peer's path. */
  receiveRelay(message: RelayMessage): void {
    if (message.from !== this.host) return;
    if (this.#path?.join === message.join) {
      this.#path.receiveRelay(message.seq, message.data);
    } else if (message.join === this.#join) {
      this.#newPath(message.join);
      this.#path!.receiveRelay(message.seq, message.data);
    } else if (this.#early.length < 1024) {
      this.#early.push(message);
    }
  }

  /** The server refused a frame this page relayed (`unknown_peer`: the host is gone; `host-left` says so). */
  relayRefused(seq: number | undefined, reason: string, message: string): void {
    if (reason === Reasons.unknownPeer) return;
    if (this.#path && seq !== undefined) this.#path.refused(seq, reason, message);
    else this.#options.error(new P2pError(Reasons.relayLimited, message));
  }

  /** Applies a signal that came through the cable; one from anyone but the host is ignored (and logged). */
  receiveSignal(from: string, signal: SessionSignal): void {
    if (from !== this.host) {
      this.#options.link.logger.warn("ignored a signal from a peer that is not the host", {
        from,
        host: this.host,
        type: signal.type,
      });
      return;
    }
    // An offer through the cable starts a new link (renegotiation travels on the data channel),
    // unless it is an ICE restart of this one: the same connection, its channel on the lost path.
    if (signal.type === "offer" && !(this.#link?.open && this.#link.sameConnection(signal.sdp))) {
      // An open link replaced by a new one: the host started this peer afresh, on a new path.
      if (this.#link?.open && this.#join !== null) this.#newPath(this.#join);
      this.#link?.close();
      this.#link = this.#createLink();
      this.#startTimer();
    }
    this.#link?.receiveSignal(signal);
  }

  /** Sends one encoded message to the host; rejects with `channel_closed` without a path. */
  send(bytes: EncodedMessage): Promise<void> {
    if (this.#path) return this.#path.send(bytes);
    if (!this.#link)
      return Promise.reject(new P2pError(Reasons.channelClosed, `No data channel to ${this.host}`));
    return this.#link.send(bytes);
  }

  /** Streams media to the host. */
  addStream(stream: MediaStream): void {
    this.#link?.addStream(stream);
  }

  /** Closes the link on purpose; returns the messages it had not handed over yet. Idempotent. */
  close(): PendingMessage[] {
    this.#stopTimer();
    const link = this.#link;
    this.#link = null;
    link?.close();
    const pending = this.#path?.close() ?? [];
    this.#path = null;
    return pending;
  }

  #newPath(join: string): void {
    const carried = this.#path?.close() ?? [];
    const { clock, logger } = this.#options.link;
    const path = new DataPath({
      peerId: this.host,
      join,
      relay: this.#options.relay?.() ?? null,
      clock,
      logger,
      perform: (frame) => this.#options.sendRelay?.(frame) ?? false,
      deliver: (message) => {
        if (this.#path === path) this.#received(message);
      },
      error: (error) => this.#options.error(error),
      settled: () => {
        if (this.#path === path) this.#options.settled?.();
      },
    });
    this.#path = path;
    path.adopt(carried);
    for (const message of this.#early.splice(0))
      if (message.join === join) path.receiveRelay(message.seq, message.data);
    if (this.open && this.#link) path.linkOpened(this.#link);
  }

  /**
   * Peer-to-peer gave up for now: with a server that relays, the data goes through it, and both
   * sides beat through it too. The host tries peer-to-peer again later (its offer starts a new link).
   */
  #relay(): void {
    if (this.#relayed) return;
    this.#relayed = true;
    const path = this.#path;
    const { heartbeat, logger } = this.#options.link;
    path?.beatThroughCable(heartbeat, (silentForMs) => {
      if (this.#path !== path) return;
      logger.info("host silent through the cable: gone", { host: this.host, silentForMs });
      this.close();
      this.#options.lost();
    });
    this.#options.relayed?.();
  }

  #createLink(): PeerLink {
    const link = new PeerLink({
      ...this.#options.link,
      peerId: this.host,
      side: "client",
      streams: this.#options.streams,
      signal: (signal) => this.#options.signal(signal),
    });
    let opened = false;
    link.on("state", (state) => {
      if (this.#link !== link) return;
      if (state === "connected") {
        opened = true;
        this.#relayed = false;
        this.#path?.stopBeating();
        this.#stopTimer();
        this.#path?.linkOpened(link);
        this.#options.opened();
      } else if (state === "disconnected" || state === "failed") {
        if (!opened && this.#path?.usable) {
          // Never opened, and the server relays: the peer stays, its data through the cable.
          this.#link = null;
          this.#stopTimer();
          this.#relay();
          return;
        }
        this.close();
        this.#options.lost();
      } else if ((state === "negotiating" || state === "connecting") && !this.#relayed) {
        this.#options.progressed(state);
      }
    });
    link.on("ice", (state) => {
      if (this.#link === link) this.#options.iceChanged(state);
    });
    link.on("message", (message) => {
      if (this.#link !== link) return;
      if (this.#path) this.#path.receiveFromLink(message);
      else this.#received(message);
    });
    link.on("stream", (stream) => this.#options.stream(stream));
    link.on("error", (error) => this.#options.error(error));
    return link;
  }

  #received(message: DecodedMessage): void {
    try {
      const { t, s } = message.envelope;
      if (t === "st") {
        this.#status.replace({});
        this.#status.apply(decodeBody(message) as StatusDelta);
        this.#options.statusChanged(this.#status.states);
      } else if (t === "sd") {
        if (this.#status.apply(decodeBody(message) as StatusDelta))
          this.#options.statusChanged(this.#status.states);
      } else if (t === "rp") {
        this.close();
        this.#options.replaced();
      } else if (t === "d") {
        this.#options.message({
          type: MessageTypes.data,
          senderId: s ?? this.host,
          data: decodeBody(message),
        });
      }
    } catch (error) {
      this.#options.error(
        error instanceof P2pError
          ? error
          : new P2pError(Reasons.invalidMessage, `Bad message from ${this.host}`, { cause: error }),
      );
    }
  }

  #startTimer(): void {
    if (this.#timer !== null) return;
    const { clock } = this.#options.link;
    if (this.#path?.usable) {
      if (this.#relayed) return;
      this.#timer = clock.setTimeout(() => {
        this.#timer = null;
        if (!this.open) this.#relay();
      }, this.#options.p2pTimeoutMs ?? sessionDefaults.p2pTimeoutMs);
      return;
    }
    const timeoutMs = this.#options.negotiationTimeoutMs;
    this.#timer = clock.setTimeout(() => {
      this.#timer = null;
      const link = this.#link;
      this.#link = null;
      link?.close();
      this.#options.timedOut(
        new P2pError(
          Reasons.negotiationTimeout,
          `No data channel to host "${this.host}" within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
  }

  #stopTimer(): void {
    if (this.#timer === null) return;
    this.#options.link.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
