// Public API of `p2p-streams-channel/client` (browser): what a page calls, implements or receives,
// named one by one (docs/reference.md, "Public API"). Importing it registers nothing: call `define()`.

export type { Reason } from "../protocol/errors.js";
export { P2pError, Reasons } from "../protocol/errors.js";
export type { Logger } from "../protocol/logger.js";
export type { CableConsumer, CableMixin, CableSubscription } from "./cable_consumer.js";
export { define } from "./define.js";
export type { ExtendedConsumerOptions } from "./extended_consumer.js";
export { createExtendedConsumer, defaultReconnectDelayMs } from "./extended_consumer.js";
export type {
  P2pErrorEvent,
  P2pFrameEventMap,
  P2pHostEvent,
  P2pMessageEvent,
  P2pPeersEvent,
  P2pStateEvent,
  P2pStreamEvent,
  StateDetail,
} from "./frame_events.js";
export type {
  NegotiationSignal,
  PerfectNegotiationEvents,
  PerfectNegotiationOptions,
} from "./negotiation/perfect_negotiation.js";
export { PerfectNegotiation, perfectNegotiationDefaults } from "./negotiation/perfect_negotiation.js";
export { P2pFrameElement } from "./p2p_frame_element.js";
export type { LocalMediaOptions } from "./room/local_media.js";
export { LocalMedia } from "./room/local_media.js";
export type { RoomEvents, RoomOptions, RoomState } from "./room/room.js";
export { Room } from "./room/room.js";
export type {
  MediumConnectedEvent,
  MediumDisconnectedEvent,
  RoomEnteredEvent,
  RoomErrorEvent,
  RoomEventMap,
  RoomLeftEvent,
} from "./room/room_events.js";
export type { VideoCap, VideoCapOptions } from "./room/video_caps.js";
export { videoCapDefaults, videoCapFor } from "./room/video_caps.js";
export type { SessionEvents } from "./session/events.js";
export { P2pSession } from "./session/p2p_session.js";
export type {
  BackoffOptions,
  Clock,
  HeartbeatOptions,
  IceRestartOptions,
  JsonValue,
  P2pSessionOptions,
  PeerStates,
  SessionData,
  SessionMessage,
  SessionState,
} from "./session/types.js";
export { MessageTypes, sessionDefaults } from "./session/types.js";
