import type { ChannelClass } from "../cable/channel.js";
import {
  defaultMediumState,
  type MediumState,
  mediumId,
  mediumPartial,
  mediumStateId,
  mediumStatePartial,
} from "../html/medium_partial.js";
import { turboStreams } from "../html/turbo_stream.js";
import { roomStreams, shortClientId } from "../identity/room_token.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { ROOM_CHANNEL, type RoomPresenceMessage } from "../protocol/room_messages.js";
import { RoomMemberChannel } from "./room_member_channel.js";
import {
  type RoomChannelOptions,
  type RoomChannelSettings,
  RoomMembership,
  roomChannelSettings,
  roomStoreOf,
} from "./room_membership.js";
import { parseAction } from "./schemas/parse_action.js";
import { greetAction, mediaAction } from "./schemas/room_actions.js";

/**
 * A `RoomChannel` bound to a member store, a cap and a lease (docs/protocol.md, "Room size"). The
 * exported `RoomChannel` is what `createRoomChannel()` gives: each cable's own memory store, 8
 * members at most. Throws `TypeError` on a `maxMembers` that is not a positive integer, or a
 * `leaseMs` under 4.
 *
 * @example
 * const { pubsub, roomStore } = createAdapters(); // Redis when REDIS_URL is set: the cap holds across processes
 * const cable = new CableServer({
 *   channels: [createRoomChannel({ store: roomStore, maxMembers: 6 }), RoomSignalingChannel, TurboStreamsChannel],
 *   pubsub,
 *   secret: process.env.P2P_SECRET,
 * });
 */
export function createRoomChannel(options: RoomChannelOptions = {}): ChannelClass {
  const settings = roomChannelSettings(options);
  return class BoundRoomChannel extends RoomChannel {
    static override readonly roomSettings = settings;
  };
}

/**
 * Presence and greetings of a mesh video room (seed 002). Identifier
 * `{"channel":"RoomChannel","token":"<signed room token>"}`; the token names the room and the client.
 *
 * - subscribe: takes a leased place in the room (`maxMembers`, else rejected with `room_full`),
 *   then `{type:"joined", from}` to everyone in the room;
 * - `greet {to, reply?}`: appends the caller's media element (`#medium_<from>`, with its name and
 *   current state) into `#media` on `to`'s personal Turbo stream only; `from` is always the
 *   verified caller;
 * - `media {muted, cameraOff}`: remembers the caller's state and replaces its badges
 *   (`#medium-state_<from>`) at everyone in the room;
 * - unsubscribe (leave, tab closed, socket lost): gives the place back, then a Turbo Stream
 *   `remove` of `#medium_<from>` to the room, and `{type:"left", from}` on presence.
 */
export class RoomChannel extends RoomMemberChannel {
  static override readonly channelName = ROOM_CHANNEL;
  /** The store, cap and lease of this class (`createRoomChannel` binds others): the defaults here. */
  static readonly roomSettings: RoomChannelSettings = roomChannelSettings({});
  static override readonly actions: readonly string[] = ["greet", "media"];
  // What `media` last reported; greetings render it, so a newcomer sees it at once.
  #media: MediumState = defaultMediumState;
  // This subscription's place in the room: taken before anything is streamed, given back on close.
  #membership: RoomMembership | undefined;

  protected override async subscribed(): Promise<void> {
    const identity = this.admit("room subscription");
    if (!identity) return;
    const { roomId, clientId } = identity;
    if (!(await this.#enter())) return;
    await this.streamFrom(roomStreams.presence(roomId));
    await this.broadcast(roomStreams.presence(roomId), {
      type: "joined",
      from: clientId,
    } satisfies RoomPresenceMessage);
  }

  protected override async unsubscribed(): Promise<void> {
    // Whatever closed it (unsubscribe, socket closed, a later step rejected), the place is given
    // back: a room member whose socket closed is gone, unlike a session's.
    await this.#membership?.leave();
    if (!this.admitted || this.rejected) return;
    const { roomId, clientId } = this.identity;
    await this.broadcast(roomStreams.room(roomId), turboStreams.remove(mediumId(clientId)));
    await this.broadcast(roomStreams.presence(roomId), {
      type: "left",
      from: clientId,
    } satisfies RoomPresenceMessage);
  }

  /** Takes a place in the room, or rejects the subscription (`room_full`, `store_unavailable`). */
  async #enter(): Promise<boolean> {
    const settings = (this.constructor as typeof RoomChannel).roomSettings;
    this.#membership = new RoomMembership({
      store: roomStoreOf(settings, this.cable),
      identity: this.identity,
      maxMembers: settings.maxMembers,
      leaseMs: settings.leaseMs,
      logger: this.logger,
      connection: this.connection.id,
    });
    try {
      await this.#membership.join();
      return true;
    } catch (error) {
      if (!(error instanceof P2pError)) throw error;
      const { reason } = error;
      this.logger.info("room subscription rejected", { connection: this.connection.id, reason });
      this.reject(reason, error.message);
      return false;
    }
  }

  /** Shows the caller to `to`: the Turbo Stream append of the caller's media element. */
  async greet(data: Record<string, unknown>): Promise<void> {
    const { roomId, clientId, name } = this.identity;
    const { to, reply } = parseAction(greetAction, data);
    if (to === clientId) throw new P2pError(Reasons.invalidMessage, "a client cannot greet itself");
    const element = mediumPartial(clientId, {
      reply: reply === true,
      name: name ?? shortClientId(clientId),
      state: this.#media,
    });
    await this.broadcast(roomStreams.client(roomId, to), turboStreams.append("media", element));
  }

  /** Records the caller's microphone and camera state and shows it to the room: a `replace` of its badges. */
  async media(data: Record<string, unknown>): Promise<void> {
    const { roomId, clientId } = this.identity;
    const { muted, cameraOff } = parseAction(mediaAction, data);
    this.#media = { muted, cameraOff };
    const badges = mediumStatePartial(clientId, this.#media);
    await this.broadcast(roomStreams.room(roomId), turboStreams.replace(mediumStateId(clientId), badges));
  }
}
