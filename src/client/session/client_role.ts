import type { RelayLimits, RelayMessage, SessionSignal } from "../../protocol/session_messages.js";
import type { CableLink } from "./cable_link.js";
import type { PendingMessage } from "./data_path.js";
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
  /** The server's relay limits from the last `ready`; `null` when it does not relay. */
  relay(): RelayLimits | null;
  /** Another page of this peer took its place (the host said so): final. */
  replaced(message: string): void;
}

/**
 * This page as a client of the session: one `HostLink` to the host the last `ready` named. Once
 * it opens, what waited in the outbox goes and the cable socket is dropped (unless
 * `keepCableConnection`); when it dies the page joins again at once; when it does not open in time,
 * again after a backoff delay.
 *
 * On a server that relays session data, the page's data goes through the cable from its `ready`
 * until the link opens (the outbox empties at once), and for good when the link does not open
 * within `p2pTimeoutMs` or fails first (`relayed`: the cable stays whatever `keepCableConnection`
 * says). The cable goes only once the link is open and nothing is left on the cable.
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

  /** Whether `send` reaches the host now: the data channel is open, or the server relays. */
  get ready(): boolean {
    return this.#hostLink?.ready ?? false;
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
  joined(joinId?: string): void {
    if (!this.#hostLink) return;
    if (this.#hostLink.open) {
      this.#hostLink.expectOffer(joinId);
      return;
    }
    this.#options.reporter.stateChanged("negotiating");
    this.#hostLink.expectOffer(joinId);
    // The server relays: what waited goes now, through the cable.
    if (this.#hostLink.ready) this.#drainOutbox(this.#hostLink);
  }

  /** A frame the host relayed through the cable. */
  receiveRelay(message: RelayMessage): void {
    this.#hostLink?.receiveRelay(message);
  }

  /** The server refused a frame this page relayed. */
  relayRefused(seq: number | undefined, reason: string, message: string): void {
    this.#hostLink?.relayRefused(seq, reason, message);
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

  /** Sends one message to the host (`ready`: the link is open, or the server relays). */
  send(bytes: EncodedMessage): Promise<void> {
    return this.#hostLink ? this.#hostLink.send(bytes) : Promise.resolve();
  }

  /** Streams media to the host. */
  addStream(stream: MediaStream): void {
    this.#hostLink?.addStream(stream);
  }

  /** Closes the link to the host; messages it had not handed over wait in the outbox again. Idempotent. */
  close(): void {
    const hostLink = this.#hostLink;
    this.#hostLink = null;
    if (hostLink) this.#requeue(hostLink.close());
  }

  #requeue(pending: PendingMessage[]): void {
    if (pending.length === 0) return;
    this.#options.outbox.requeue(pending.map((item) => item.bytes));
    for (const item of pending) item.resolve();
  }

  #drainOutbox(hostLink: HostLink): void {
    const { outbox, reporter } = this.#options;
    for (const bytes of outbox.drain()) void hostLink.send(bytes).catch((e) => reporter.error(e));
  }

  /** Drops the cable once the link is open and the cable carries nothing more (unless it is kept). */
  #detachWhenSettled(hostLink: HostLink): void {
    const { settings, cable } = this.#options;
    if (!settings.keepCable && hostLink.open && hostLink.settled && this.#hostLink === hostLink)
      cable.detach();
  }

  #createHostLink(host: string): HostLink {
    const { reporter, settings, cable, membership, sessionId, peerId } = this.#options;
    const hostLink: HostLink = new HostLink({
      host,
      link: settings.link,
      negotiationTimeoutMs: settings.negotiationTimeoutMs,
      p2pTimeoutMs: settings.p2pTimeoutMs,
      relay: () => this.#options.relay(),
      sendRelay: (frame) => cable.perform("relay", frame),
      relayed: () => {
        settings.logger.info("no data channel to the host: relayed through the server", {
          peer: peerId,
          host,
        });
        reporter.stateChanged("relayed");
        cable.attach();
      },
      settled: () => this.#detachWhenSettled(hostLink),
      streams: this.#options.streams,
      signal: (signal) => cable.perform("signal", { to: host, signal }),
      progressed: (state) => reporter.stateChanged(state),
      opened: () => {
        reporter.stateChanged("connected");
        this.#drainOutbox(hostLink);
        this.#detachWhenSettled(hostLink);
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
