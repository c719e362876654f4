import type { SessionSignal } from "../../protocol/session_messages.js";
import type { CableLink } from "./cable_link.js";
import { HostLink } from "./host_link.js";
import type { Membership } from "./membership.js";
import type { EncodedMessage, Outbox } from "./outbox.js";
import type { SessionReporter } from "./session_reporter.js";
import type { SessionSettings } from "./session_settings.js";

export interface ClientRoleOptions {
  sessionId: string;
  peerId: string;
  settings: SessionSettings;
  cable: CableLink;
  membership: Membership;
  reporter: SessionReporter;
  outbox: Outbox;
  /** This page's streams, sent to the host. */
  streams: readonly MediaStream[];
  /** Another page of this peer took its place (the host said so): final. */
  replaced(message: string): void;
}

/**
 * This page as a client of the session: one `HostLink` to the host the last `ready` named. Once
 * it opens, what waited in the outbox goes and the cable socket is dropped (unless
 * `keepCableConnection`); when it dies the page joins again at once; when it does not open in time,
 * again after a backoff delay.
 */
export class ClientRole {
  readonly #options: ClientRoleOptions;
  #hostLink: HostLink | null = null;

  constructor(options: ClientRoleOptions) {
    this.#options = options;
  }

  /** The host this page's data channel is open to, `null` when none is. */
  get linkedHost(): string | null {
    return this.#hostLink?.open ? this.#hostLink.host : null;
  }

  /** Whether the data channel to the host is open. */
  get open(): boolean {
    return this.#hostLink?.open ?? false;
  }

  /** Whether the link to the host is open but its ICE lost its path: the page rejoins the cable to restart it. */
  get interrupted(): boolean {
    return this.#hostLink?.interrupted ?? false;
  }

  /** A `ready` named `host`: a link to another host goes, and offers are taken from `host` only. */
  hostNamed(host: string): void {
    if (this.#hostLink?.host === host) return;
    if (this.#hostLink) {
      this.close();
      this.#options.reporter.stateChanged("negotiating");
    }
    this.#options.reporter.peersForgotten();
    this.#hostLink = this.#createHostLink(host);
  }

  /** The `ready` of this page's own join: the host's offer should follow (unless the link is open). */
  joined(): void {
    if (!this.#hostLink || this.#hostLink.open) return;
    this.#options.reporter.stateChanged("negotiating");
    this.#hostLink.expectOffer();
  }

  /** SDP/ICE through the cable; taken only from the named host. */
  receiveSignal(from: string, signal: SessionSignal): void {
    if (this.#hostLink) this.#hostLink.receiveSignal(from, signal);
    else this.#options.settings.logger.warn("ignored a signal before any host", { from, type: signal.type });
  }

  /** The server says `host` left: the link to it goes. */
  hostLeft(host: string): void {
    if (this.#hostLink?.host === host) this.close();
  }

  /** Sends one message to the host (the link is open). */
  send(bytes: EncodedMessage): Promise<void> {
    return this.#hostLink ? this.#hostLink.send(bytes) : Promise.resolve();
  }

  /** Streams media to the host. */
  addStream(stream: MediaStream): void {
    this.#hostLink?.addStream(stream);
  }

  /** Closes the link to the host. Idempotent. */
  close(): void {
    const hostLink = this.#hostLink;
    this.#hostLink = null;
    hostLink?.close();
  }

  #createHostLink(host: string): HostLink {
    const { reporter, settings, cable, membership, outbox, sessionId, peerId } = this.#options;
    const hostLink: HostLink = new HostLink({
      host,
      link: settings.link,
      negotiationTimeoutMs: settings.negotiationTimeoutMs,
      streams: this.#options.streams,
      signal: (signal) => cable.perform("signal", { to: host, signal }),
      progressed: (state) => reporter.stateChanged(state),
      opened: () => {
        reporter.stateChanged("connected");
        for (const bytes of outbox.drain()) void hostLink.send(bytes).catch((e) => reporter.error(e));
        if (!settings.keepCable) cable.detach();
      },
      // ICE restart: the host offers it through the cable, so come back on it and join with
      // `resume` (the host then sends its restart offer again, in case this page missed it).
      iceChanged: (state) => {
        if (state === "restored") {
          settings.logger.info("link to the host restored by an ice restart", { peer: peerId, host });
          if (!settings.keepCable) cable.detach();
        } else if (cable.connected) {
          membership.join();
        } else {
          cable.attach();
        }
      },
      // The host is gone (channel closed, heartbeat silent): join again, wherever the host now is.
      lost: () => {
        reporter.stateChanged("disconnected");
        reporter.stateChanged("negotiating");
        membership.join();
      },
      timedOut: (error) => {
        settings.logger.warn("negotiation with the host timed out: joining again", { peer: peerId, host });
        reporter.error(error, host);
        reporter.stateChanged("negotiating");
        membership.retry();
      },
      replaced: () =>
        this.#options.replaced(
          `Another page joined session "${sessionId}" as peer "${peerId}": this one is replaced and stops`,
        ),
      message: (message) => reporter.message(message),
      statusChanged: (states) => reporter.statusChanged(host, states),
      stream: (stream) => reporter.stream(host, stream),
      error: (error) => reporter.error(error, host),
    });
    return hostLink;
  }
}
