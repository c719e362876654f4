import type { P2pError } from "../protocol/errors.js";
import type { PeerStates, SessionMessage, SessionState } from "./session/types.js";

/** The detail of every state event: the new state, who this page is, and who hosts. */
export type StateDetail = {
  state: SessionState;
  peerId: string;
  hostPeerId: string | null;
  iamHost: boolean;
};
/** `p2p:negotiating`, `p2p:connecting`, `p2p:connected`, `p2p:relayed`, `p2p:disconnected`, `p2p:closed`: this page's state changed. */
export type P2pStateEvent = CustomEvent<StateDetail>;
/** `p2p:error`: something failed; `reason` is a stable code (docs/reference.md). */
export type P2pErrorEvent = CustomEvent<{
  reason: string;
  message: string;
  peerId?: string;
  error: P2pError;
}>;
/** `p2p:message`: data a peer sent (`type` `Data`) or the host's status map (`Data.Connection.State`). */
export type P2pMessageEvent = CustomEvent<SessionMessage>;
/** `p2p:peers`: the status map changed (peer id → state). */
export type P2pPeersEvent = CustomEvent<PeerStates>;
/** `p2p:host`: a host was elected. */
export type P2pHostEvent = CustomEvent<{ hostPeerId: string; iamHost: boolean }>;
/** `p2p:stream`: a remote peer's media arrived. */
export type P2pStreamEvent = CustomEvent<{ peerId: string; stream: MediaStream }>;

/** Every DOM event `<p2p-frame>` dispatches (they bubble), by name, for typed `addEventListener`. */
export interface P2pFrameEventMap {
  "p2p:negotiating": P2pStateEvent;
  "p2p:connecting": P2pStateEvent;
  "p2p:connected": P2pStateEvent;
  "p2p:relayed": P2pStateEvent;
  "p2p:disconnected": P2pStateEvent;
  "p2p:closed": P2pStateEvent;
  "p2p:error": P2pErrorEvent;
  "p2p:message": P2pMessageEvent;
  "p2p:peers": P2pPeersEvent;
  "p2p:host": P2pHostEvent;
  "p2p:stream": P2pStreamEvent;
}
