// Public API of `p2p-streams-channel/node`: a session peer in Node 20+ (bots, recorders, always-on
// hosts), named one by one (docs/node.md). The WebRTC module is the optional peer dependency
// `@roamhq/wrtc`; the cable is `createExtendedConsumer` (`@anycable/web`) on `ws`.

export type { SessionEvents } from "../client/session/events.js";
export { P2pSession } from "../client/session/p2p_session.js";
export type {
  JsonValue,
  P2pSessionOptions,
  PeerStates,
  SessionData,
  SessionMessage,
  SessionState,
} from "../client/session/types.js";
export { MessageTypes, sessionDefaults } from "../client/session/types.js";
export type { Reason } from "../protocol/errors.js";
export { P2pError, Reasons } from "../protocol/errors.js";
export type { Logger } from "../protocol/logger.js";
export type { NodeConsumerOptions } from "./node_consumer.js";
export { cableWebSocketUrl, createNodeConsumer } from "./node_consumer.js";
export type { NodeSessionOptions } from "./node_session.js";
export { createNodeSession } from "./node_session.js";
export type { SessionTicket } from "./session_ticket.js";
export { fetchSessionTicket, SessionTicketError } from "./session_ticket.js";
export type { WebRtcModule } from "./wrtc.js";
export { loadWrtc, nodePeerConnectionFactory, WRTC_PACKAGE } from "./wrtc.js";
