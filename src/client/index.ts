import "./define.js";

export type { Logger } from "../protocol/logger.js";
export { defineP2pFrame } from "./define.js";
export type {
  NegotiationSignal,
  PerfectNegotiationEvents,
  PerfectNegotiationOptions,
} from "./negotiation/perfect_negotiation.js";
export { PerfectNegotiation, perfectNegotiationDefaults } from "./negotiation/perfect_negotiation.js";
export type {
  P2pErrorEvent,
  P2pFrameEventMap,
  P2pHostEvent,
  P2pMessageEvent,
  P2pPeersEvent,
  P2pStateEvent,
  P2pStreamEvent,
  StateDetail,
} from "./p2p_frame_element.js";
export { dispatchP2pEvent, P2pFrameElement, parseFrameConfig } from "./p2p_frame_element.js";
export type { CableConsumer, CableMixin, CableSubscription } from "./room/cable_subscription.js";
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
export { dispatchRoomEvent } from "./room/room_events.js";
export type { RoomPresenceOptions } from "./room/room_presence.js";
export { RoomPresence } from "./room/room_presence.js";
export type { SignallerOptions } from "./room/signaller.js";
export { Signaller } from "./room/signaller.js";
export type { ChunkerOptions, DataChannelLike } from "./session/chunker.js";
export { chunkerDefaults, FrameReceiver, FrameSender } from "./session/chunker.js";
export type { SessionEvents } from "./session/events.js";
export { P2pSession } from "./session/p2p_session.js";
export type {
  BackoffOptions,
  Clock,
  HeartbeatOptions,
  JsonValue,
  P2pSessionOptions,
  PeerStates,
  SessionConsumer,
  SessionData,
  SessionMessage,
  SessionState,
} from "./session/types.js";
export { MessageTypes, sessionDefaults, systemClock } from "./session/types.js";
