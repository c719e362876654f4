// Public API of `p2p-streams-channel/server`. Every export is named here, one by one.

export { CableServer, cableDefaults } from "../cable/server.js";
export type { CableServerOptions } from "../cable/server.js";
export { Channel } from "../cable/channel.js";
export type { CableHandle, ChannelClass, ChannelContext, ConnectionHandle, SubscriptionState } from "../cable/channel.js";
export type { Identity } from "../cable/connection.js";
export type { OriginPolicy } from "../cable/origin.js";
export { Signer } from "../cable/signer.js";
export type { SignOptions } from "../cable/signer.js";
export { P2pError, Reasons } from "../cable/errors.js";
export type { Reason } from "../cable/errors.js";
export { consoleLogger, silentLogger } from "../cable/logger.js";
export type { Logger } from "../cable/logger.js";

export type { PubSub, PubSubHandler } from "../pubsub/adapter.js";
export { MemoryPubSub } from "../pubsub/memory.js";
export type { JoinOptions, JoinResult, LeaveResult, SessionStore } from "../store/adapter.js";
export { storeDefaults } from "../store/adapter.js";

export { TurboStreamsChannel } from "../channels/turbo_streams_channel.js";

export { SafeHtml, attributes, escapeHtml, html, unsafeRaw } from "../html/html.js";
export { turboStream, turboStreams } from "../html/turbo_stream.js";
export type { TurboStreamAction, TurboStreamOptions } from "../html/turbo_stream.js";
export { TURBO_STREAMS_CHANNEL, actionCableMetaTag, turboStreamFrom } from "../html/tags.js";
