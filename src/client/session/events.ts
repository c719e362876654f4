import type { P2pError } from "../../protocol/errors.js";
import type { DecodedMessage } from "./message_codec.js";
import type { PeerStates, SessionMessage, SessionState } from "./types.js";

/**
 * The typed event map of `P2pSession` (`session.on(name, listener)` returns the function that
 * removes the listener). The `<p2p-frame>` element re-dispatches each as a bubbling `p2p:*` DOM event.
 */
export interface SessionEvents {
  /** This page's own state changed (see `SessionState`). */
  state: { state: SessionState };
  /** Data a peer sent (`Data`), or the host's status map (`Data.Connection.State`). */
  message: SessionMessage;
  /** The status map changed: every member's state by peer id. */
  peers: PeerStates;
  /** A host was elected (at start, or after the old one left). */
  host: { hostPeerId: string; iamHost: boolean };
  /** A remote peer's media arrived: the host's for a client, a client's for the host. */
  stream: { peerId: string; stream: MediaStream };
  /** Something failed; `error.reason` is a stable code. The session goes on unless `state` says `failed`. */
  error: { error: P2pError; peerId?: string };
}

/** The events a link to one remote peer reports to its owner (the session or the host relay). */
export interface PeerLinkEvents {
  state: SessionState;
  /** One complete message from the other peer, already decoded into envelope and body. */
  message: DecodedMessage;
  stream: MediaStream;
  error: P2pError;
  /** ICE lost its path (`interrupted`: an ICE restart is due) or found one again (`restored`). */
  ice: "interrupted" | "restored";
}
