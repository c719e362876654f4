import type { Logger } from "../protocol/logger.js";
import type { PubSub } from "../pubsub/adapter.js";
import type { Signer } from "./signer.js";

/** Who a socket is, as `CableServerOptions.authenticate` returned it (a user id, a tenant…); `{}` by default. */
export type Identity = Readonly<Record<string, unknown>>;

/** What a channel may do with the connection it lives on. */
export interface ConnectionHandle {
  /** Unique per socket, for logs. */
  readonly id: string;
  /** Whatever `authenticate` returned for this socket. */
  readonly identity: Identity;
  /** The upgrade request's origin, URL and remote address, for logs and checks. */
  readonly request: {
    readonly url: string;
    readonly origin: string | undefined;
    readonly address: string | undefined;
  };
  /** Sends a raw frame (already JSON). Used by channels; apps use `transmit`. */
  send(frame: string): void;
  /** Sends `disconnect` with this reason and closes the socket. */
  disconnect(reason: string, reconnect: boolean): void;
}

/** What a channel may do with the server: broadcast, verify, log. */
export interface CableHandle {
  readonly pubsub: PubSub;
  readonly signer: Signer;
  readonly logger: Logger;
  /** Publishes `message` to every subscriber of `stream`, on every server process. */
  broadcast(stream: string, message: unknown): Promise<void>;
}

/** What the server hands a channel's constructor: its connection, the cable and the subscription's identifier. */
export interface ChannelContext {
  readonly connection: ConnectionHandle;
  readonly cable: CableHandle;
  /** The identifier exactly as the client sent it: the key of this subscription, echoed verbatim. */
  readonly identifier: string;
  /** The identifier's parsed fields, `channel` included. Values come from the client: validate them. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Whether the socket speaks the extended protocol (`actioncable-v1-ext-json`): broadcasts then
   * carry their stream position, and the subscription outlives a socket that drops (see `restored`).
   */
  readonly extended?: boolean;
}

/** Where a subscription is: `pending` until `subscribed` resolves, then `confirmed` or `rejected`, and `closed` at the end. */
export type SubscriptionState = "pending" | "confirmed" | "rejected" | "closed";

/**
 * Why a subscription closed: the client sent `unsubscribe` (a deliberate leave), its socket
 * `disconnect`ed (closed by either side, or lost: the client may come back; on the extended
 * protocol, once its session expired unrestored), the subscription was `rejected`, or its
 * session was restored on another server process (`moved`: the subscriber is not gone, only this
 * process's copy of the subscription is).
 */
export type CloseCause = "unsubscribe" | "disconnect" | "rejected" | "moved";

/** A step of closing a subscription that failed: `unsubscribed` threw, or one stream's pub/sub stop rejected. */
export interface CloseFailure {
  readonly step: "unsubscribed" | "stop_stream";
  /** The stream whose stop failed (`stop_stream` only). */
  readonly stream?: string;
  readonly error: unknown;
}
