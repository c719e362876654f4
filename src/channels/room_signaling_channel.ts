import { roomStreams } from "../identity/room_token.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { ROOM_SIGNALING_CHANNEL, type RoomSignalMessage } from "../protocol/room_messages.js";
import { RoomMemberChannel } from "./room_member_channel.js";
import { parseAction } from "./schemas/parse_action.js";
import { roomSignalAction } from "./schemas/room_actions.js";

/**
 * Perfect-negotiation signaling of a room: SDP and ICE go to the addressed client only. Identifier
 * `{"channel":"RoomSignalingChannel","token":"<signed room token>"}`; each client streams from its
 * own `room:<roomId>:signal:<clientId>`, so a message cannot leave the room of the caller's token.
 *
 * Action `signal {to, description?, candidate?}` → `{type:"signal", from, description?, candidate?}`
 * to `to`, with `from` stamped from the token.
 */
export class RoomSignalingChannel extends RoomMemberChannel {
  static override readonly channelName = ROOM_SIGNALING_CHANNEL;
  static override readonly actions: readonly string[] = ["signal"];

  protected override async subscribed(): Promise<void> {
    const identity = this.admit("room signaling subscription");
    if (identity) await this.streamFrom(roomStreams.signal(identity.roomId, identity.clientId));
  }

  /** Relays one description or candidate to `to`, stamped with the caller's verified id. */
  async signal(data: Record<string, unknown>): Promise<void> {
    const { roomId, clientId } = this.identity;
    const { to, description, candidate } = parseAction(roomSignalAction, data);
    if (to === clientId) throw new P2pError(Reasons.invalidMessage, "a client cannot signal itself");
    const message: RoomSignalMessage = { type: "signal", from: clientId };
    if (description !== undefined) message.description = description;
    else message.candidate = candidate;
    await this.broadcast(roomStreams.signal(roomId, to), message);
  }
}
