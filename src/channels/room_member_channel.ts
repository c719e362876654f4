import { type RoomIdentity, verifyRoomToken } from "../identity/room_token.js";
import { TokenChannel } from "./token_channel.js";

/**
 * A subscription of one room member: `RoomChannel` and `RoomSignalingChannel` both admit it with
 * a signed room token (`issueRoomClient`), which names the room and the client.
 */
export abstract class RoomMemberChannel extends TokenChannel<RoomIdentity> {
  protected override verifyToken(token: unknown): RoomIdentity {
    return verifyRoomToken(this.cable.signer, token);
  }
}
