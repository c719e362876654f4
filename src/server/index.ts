// Public API of `p2p-streams-channel/server`: what an app calls, implements or receives, named one
// by one (docs/reference.md, "Public API"). Everything else is internal and has no entry point.

export type { Authenticate } from "../cable/authentication.js";
export type { ChannelClass } from "../cable/channel.js";
export { Channel } from "../cable/channel.js";
export type {
  CableHandle,
  ChannelContext,
  CloseCause,
  ConnectionHandle,
  Identity,
  SubscriptionState,
} from "../cable/channel_context.js";
export type { CableObserver, TeardownFailure } from "../cable/observer.js";
export type { OriginPolicy } from "../cable/origin.js";
export type { CableServerOptions } from "../cable/server.js";
export { CableServer, cableDefaults } from "../cable/server.js";
export type { CableSessionStore } from "../cable/session_parking.js";
export type { SignOptions } from "../cable/signer.js";
export { Signer } from "../cable/signer.js";
export type { RelayObserver, RelayOptions } from "../channels/relay_budget.js";
export { relayDefaults } from "../channels/relay_budget.js";
export { createRoomChannel, RoomChannel } from "../channels/room_channel.js";
export type { RoomChannelOptions, RoomChannelSettings } from "../channels/room_membership.js";
export { roomChannelDefaults } from "../channels/room_membership.js";
export { createRoomSignalingChannel, RoomSignalingChannel } from "../channels/room_signaling_channel.js";
export type { SignalingChannelOptions } from "../channels/signaling_channel.js";
export { createSignalingChannel } from "../channels/signaling_channel.js";
export { TurboStreamsChannel } from "../channels/turbo_streams_channel.js";
export { html, SafeHtml, unsafeRaw } from "../html/html.js";
export type { P2pFrameConfig, P2pFrameOptions } from "../html/p2p_frame_tag.js";
export { p2pFrameTag } from "../html/p2p_frame_tag.js";
export { actionCableMetaTag, turboStreamFrom } from "../html/tags.js";
export type { TurboStreamAction, TurboStreamOptions } from "../html/turbo_stream.js";
export { turboStream } from "../html/turbo_stream.js";
export type { RoomClient, RoomIdentity } from "../identity/room_token.js";
export { issueRoomClient, roomStreams } from "../identity/room_token.js";
export type { SessionIdentity } from "../identity/session_token.js";
export { signSessionToken } from "../identity/session_token.js";
export type { IceConfiguration, IceOptions, TurnCredential } from "../identity/turn_credentials.js";
export {
  checkIceOptions,
  iceConfiguration,
  iceDefaults,
  turnCredential,
} from "../identity/turn_credentials.js";
export type { Reason } from "../protocol/errors.js";
export { P2pError, Reasons } from "../protocol/errors.js";
export type { Logger } from "../protocol/logger.js";
export { silentLogger } from "../protocol/logger.js";
export type { RelayLimits, RelayMessage } from "../protocol/session_messages.js";
export type {
  HistoryCursor,
  HistoryEntry,
  HistoryOptions,
  PubSub,
  PubSubHandler,
  StreamPosition,
} from "../pubsub/adapter.js";
export { historyDefaults } from "../pubsub/adapter.js";
export { MemoryPubSub } from "../pubsub/memory.js";
export type { RedisPubSubOptions } from "../pubsub/redis.js";
export { RedisPubSub } from "../pubsub/redis.js";
export type {
  JoinOptions,
  JoinResult,
  LeaveOptions,
  LeaveResult,
  RefreshOptions,
  RefreshResult,
  SessionStore,
} from "../store/adapter.js";
export { storeDefaults } from "../store/adapter.js";
export type { MemorySessionStoreOptions } from "../store/memory.js";
export { MemorySessionStore } from "../store/memory.js";
export type { RedisSessionStoreOptions } from "../store/redis.js";
export { RedisSessionStore } from "../store/redis.js";
export type { RedisCableSessionStoreOptions } from "../store/redis_cable_sessions.js";
export { RedisCableSessionStore } from "../store/redis_cable_sessions.js";
export type { RoomJoinOptions, RoomJoinResult, RoomLeaveOptions, RoomStore } from "../store/room_adapter.js";
export type { MemoryRoomStoreOptions } from "../store/room_memory.js";
export { MemoryRoomStore } from "../store/room_memory.js";
export type { RedisRoomStoreOptions } from "../store/room_redis.js";
export { RedisRoomStore } from "../store/room_redis.js";
export type { Adapters, AdaptersOptions } from "./adapters.js";
export { createAdapters } from "./adapters.js";
export type { CableMetrics } from "./cable_metrics.js";
export { cableMetricNames, cableMetrics, metricsHandler } from "./cable_metrics.js";
export { consoleLogger } from "./console_logger.js";
export type { PinoLike } from "./pino_logger.js";
export { pinoLogger } from "./pino_logger.js";
export type { RelayMetrics } from "./relay_metrics.js";
export { relayMetricNames, relayMetrics } from "./relay_metrics.js";
