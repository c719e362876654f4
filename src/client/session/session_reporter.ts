import { Emitter } from "../../protocol/emitter.js";
import { P2pError, type Reason, Reasons } from "../../protocol/errors.js";
import type { Logger } from "../../protocol/logger.js";
import type { SessionEvents } from "./events.js";
import { MessageTypes, type PeerStates, type SessionMessage, type SessionState } from "./types.js";

/**
 * What the app sees of one session: this page's state, the host, the status map, and the
 * `SessionEvents` that tell each change. Every error is logged and emitted here, once.
 */
export class SessionReporter {
  readonly #peerId: string;
  readonly #logger: Logger;
  readonly #events: Emitter<SessionEvents>;
  #state: SessionState = "negotiating";
  #hostPeerId: string | null = null;
  #peers: PeerStates = {};

  constructor(peerId: string, logger: Logger) {
    this.#peerId = peerId;
    this.#logger = logger;
    this.#events = new Emitter((error, event) =>
      logger.error("session listener failed", { event: String(event), error: String(error) }),
    );
  }

  /** This page's state. */
  get state(): SessionState {
    return this.#state;
  }

  /** The host last elected, `null` before one is (or after the page left). */
  get hostPeerId(): string | null {
    return this.#hostPeerId;
  }

  /** The last status map reported. */
  get peers(): PeerStates {
    return { ...this.#peers };
  }

  /** Listens to one event; returns the function that stops listening. */
  on<K extends keyof SessionEvents>(event: K, listener: (detail: SessionEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** This page's state changed (nothing is emitted when it is the same). */
  stateChanged(state: SessionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#logger.debug("session state", { peer: this.#peerId, state });
    this.#events.emit("state", { state });
  }

  /** A `ready` named the host (emitted when it changed). */
  hostElected(host: string): void {
    if (this.#hostPeerId === host) return;
    this.#hostPeerId = host;
    this.#events.emit("host", { hostPeerId: host, iamHost: host === this.#peerId });
  }

  /** The page no longer knows a host, nor its status map (it left the session). */
  hostForgotten(): void {
    this.#hostPeerId = null;
    this.#peers = {};
  }

  /** The status map is no longer current (the host changed, or this page stepped down). */
  peersForgotten(): void {
    this.#peers = {};
  }

  /** The status map changed: `peers`, and the `Data.Connection.State` message the gem's apps read. */
  statusChanged(senderId: string, states: PeerStates): void {
    this.#peers = { ...states };
    this.#events.emit("peers", { ...states });
    this.#events.emit("message", { type: MessageTypes.connectionState, senderId, data: { ...states } });
  }

  /** Data a peer sent. */
  message(message: SessionMessage): void {
    this.#events.emit("message", message);
  }

  /** A remote peer's media arrived. */
  stream(peerId: string, stream: MediaStream): void {
    this.#events.emit("stream", { peerId, stream });
  }

  /** Something failed: a `P2pError` as it is, anything else as `invalid_message`. */
  error(error: unknown, peerId?: string): void {
    const p2pError =
      error instanceof P2pError
        ? error
        : new P2pError(Reasons.invalidMessage, String(error), { cause: error });
    this.#logger.warn("session error", { reason: p2pError.reason, message: p2pError.message, peerId });
    this.#events.emit("error", peerId === undefined ? { error: p2pError } : { error: p2pError, peerId });
  }

  /** An `error` from the server: its reason if it is one of `Reasons`, `action_failed` otherwise. */
  serverError(reason: string, message: string): void {
    this.error(new P2pError(asReason(reason), message));
  }

  /** Removes every listener (the session closed). */
  clear(): void {
    this.#events.clear();
  }
}

function asReason(reason: string): Reason {
  return (Object.values(Reasons) as string[]).includes(reason) ? (reason as Reason) : Reasons.actionFailed;
}
