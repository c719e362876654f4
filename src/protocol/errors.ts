/**
 * Stable reason codes. They travel in `disconnect` frames and in `{type:"error"}` messages to one
 * subscription, and are listed in docs/reference.md. Never rename one: clients switch on them.
 */
export const Reasons = {
  unauthorized: "unauthorized",
  serverRestart: "server_restart",
  messageTooBig: "message_too_big",
  tooSlow: "too_slow",
  invalidFrame: "invalid_frame",
  unknownCommand: "unknown_command",
  unknownAction: "unknown_action",
  invalidMessage: "invalid_message",
  invalidParams: "invalid_params",
  notSubscribed: "not_subscribed",
  actionFailed: "action_failed",
  invalidToken: "invalid_token",
  expiredToken: "expired_token",
  sessionFull: "session_full",
  /** A subscribe to `RoomChannel` while the room already holds its `maxMembers` live members. */
  roomFull: "room_full",
  notJoined: "not_joined",
  unknownPeer: "unknown_peer",
  rateLimited: "rate_limited",
  tooManySubscriptions: "too_many_subscriptions",
  storeUnavailable: "store_unavailable",
  negotiationFailed: "negotiation_failed",
  mediaUnavailable: "media_unavailable",
  pubsubUnavailable: "pubsub_unavailable",
  channelClosed: "channel_closed",
  notHost: "not_host",
  /** A second subscription for the same session and peer id took over: the first one stops. */
  replaced: "replaced",
  /** A `signal` that is not between the current host and a member of its session. */
  signalForbidden: "signal_forbidden",
  /** `send` while not connected, with the outbox already holding its limit of messages. */
  outboxFull: "outbox_full",
  /** A negotiation with the host did not open its data channel in time: the peer joins again. */
  negotiationTimeout: "negotiation_timeout",
  /** `Room.enter()` was cut short by `leave()`: nothing of it is left running. */
  roomLeft: "room_left",
  /** A `relay` to a server that does not relay session data (`relay: false`). */
  relayDisabled: "relay_disabled",
  /** A `relay` over the sender's rate (frames or bytes a second): that frame was not relayed. */
  relayLimited: "relay_limited",
  /** A `relay` whose `data` is longer than the server's `relay.maxBytes`: not relayed. */
  relayTooLarge: "relay_too_large",
} as const;

/** One of the stable reason codes of `Reasons`. */
export type Reason = (typeof Reasons)[keyof typeof Reasons];

/** The one error type of the library: `reason` is stable, `message` quotes the culprit. */
export class P2pError extends Error {
  readonly reason: Reason;

  constructor(reason: Reason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "P2pError";
    this.reason = reason;
  }
}
