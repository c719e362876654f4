import { P2pError, Reasons } from "../../protocol/errors.js";
import type { SessionSignal } from "../../protocol/session_messages.js";
import { type DecodedMessage, decodeBody } from "./message_codec.js";
import type { EncodedMessage } from "./outbox.js";
import { PeerLink, type PeerLinkSettings } from "./peer_link.js";
import { type StatusDelta, StatusMap } from "./status_map.js";
import { MessageTypes, type PeerStates, type SessionMessage } from "./types.js";

export interface HostLinkOptions {
  /** The host, as the last `ready` named it: the only peer whose offer is taken. */
  host: string;
  link: PeerLinkSettings;
  /** The link must open this long after the `ready` naming this peer (or its creation). */
  negotiationTimeoutMs: number;
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

  constructor(options: HostLinkOptions) {
    this.host = options.host;
    this.#options = options;
  }

  /** Whether the data channel to the host is open. */
  get open(): boolean {
    return this.#link?.open ?? false;
  }

  /** Whether the link is open but its ICE lost its path (a restart is due or under way). */
  get interrupted(): boolean {
    return this.#link?.interrupted ?? false;
  }

  /** The host's status map as merged here. */
  get states(): PeerStates {
    return this.#status.states;
  }

  /** The `ready` naming this peer arrived: the host's offer should follow, within the timeout. */
  expectOffer(): void {
    if (!this.open) this.#startTimer();
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
      this.#link?.close();
      this.#link = this.#createLink();
      this.#startTimer();
    }
    this.#link?.receiveSignal(signal);
  }

  /** Sends one encoded message to the host; rejects with `channel_closed` without a link. */
  send(bytes: EncodedMessage): Promise<void> {
    if (!this.#link)
      return Promise.reject(new P2pError(Reasons.channelClosed, `No data channel to ${this.host}`));
    return this.#link.send(bytes);
  }

  /** Streams media to the host. */
  addStream(stream: MediaStream): void {
    this.#link?.addStream(stream);
  }

  /** Closes the link on purpose. Idempotent. */
  close(): void {
    this.#stopTimer();
    const link = this.#link;
    this.#link = null;
    link?.close();
  }

  #createLink(): PeerLink {
    const link = new PeerLink({
      ...this.#options.link,
      peerId: this.host,
      side: "client",
      streams: this.#options.streams,
      signal: (signal) => this.#options.signal(signal),
    });
    link.on("state", (state) => {
      if (this.#link !== link) return;
      if (state === "connected") {
        this.#stopTimer();
        this.#options.opened();
      } else if (state === "disconnected" || state === "failed") {
        this.close();
        this.#options.lost();
      } else if (state === "negotiating" || state === "connecting") {
        this.#options.progressed(state);
      }
    });
    link.on("ice", (state) => {
      if (this.#link === link) this.#options.iceChanged(state);
    });
    link.on("message", (message) => this.#received(message));
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
