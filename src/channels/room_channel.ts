import { mediumId, mediumPartial } from "../html/medium_partial.js";
import { turboStreams } from "../html/turbo_stream.js";
import { roomStreams } from "../identity/room_token.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { ROOM_CHANNEL, type RoomPresenceMessage } from "../protocol/room_messages.js";
import { RoomMemberChannel } from "./room_member_channel.js";
import { parseAction } from "./schemas/parse_action.js";
import { greetAction } from "./schemas/room_actions.js";

/**
 * Presence and greetings of a mesh video room (seed 002). Identifier
 * `{"channel":"RoomChannel","token":"<signed room token>"}`; the token names the room and the client.
 *
 * - subscribe: `{type:"joined", from}` to everyone in the room;
 * - `greet {to, reply?}`: appends the caller's media element (`#medium_<from>`) into `#media` on
 *   `to`'s personal Turbo stream only; `from` is always the verified caller;
 * - unsubscribe (leave, tab closed): a Turbo Stream `remove` of `#medium_<from>` to the room, and
 *   `{type:"left", from}` on presence.
 */
export class RoomChannel extends RoomMemberChannel {
  static override readonly channelName = ROOM_CHANNEL;
  static override readonly actions: readonly string[] = ["greet"];

  protected override async subscribed(): Promise<void> {
    const identity = this.admit("room subscription");
    if (!identity) return;
    const { roomId, clientId } = identity;
    await this.streamFrom(roomStreams.presence(roomId));
    await this.broadcast(roomStreams.presence(roomId), {
      type: "joined",
      from: clientId,
    } satisfies RoomPresenceMessage);
  }

  protected override async unsubscribed(): Promise<void> {
    if (!this.admitted || this.rejected) return;
    const { roomId, clientId } = this.identity;
    await this.broadcast(roomStreams.room(roomId), turboStreams.remove(mediumId(clientId)));
    await this.broadcast(roomStreams.presence(roomId), {
      type: "left",
      from: clientId,
    } satisfies RoomPresenceMessage);
  }

  /** Shows the caller to `to`: the Turbo Stream append of the caller's media element. */
  async greet(data: Record<string, unknown>): Promise<void> {
    const { roomId, clientId } = this.identity;
    const { to, reply } = parseAction(greetAction, data);
    if (to === clientId) throw new P2pError(Reasons.invalidMessage, "a client cannot greet itself");
    const element = mediumPartial(clientId, { reply: reply === true });
    await this.broadcast(roomStreams.client(roomId, to), turboStreams.append("media", element));
  }
}
