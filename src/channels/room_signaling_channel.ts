import { Channel } from "../cable/channel.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { admitRoomClient } from "./admit_room_client.js";
import { type RoomIdentity, roomStreams } from "./room_token.js";
import { parseAction } from "./schemas/parse_action.js";
import { roomSignalAction } from "./schemas/room_actions.js";

/** A directed SDP or ICE message, as the addressed client receives it. */
export interface RoomSignalMessage {
  type: "signal";
  /** The verified sender: never taken from the client. */
  from: string;
  description?: { type: "offer" | "answer" | "pranswer" | "rollback"; sdp?: string };
  candidate?: Record<string, unknown> | null;
}

/**
 * Perfect-negotiation signaling of a room: SDP and ICE go to the addressed client only. Identifier
 * `{"channel":"RoomSignalingChannel","token":"<signed room token>"}`; each client streams from its
 * own `room:<roomId>:signal:<clientId>`, so a message cannot leave the room of the caller's token.
 *
 * Action `signal {to, description?, candidate?}` → `{type:"signal", from, description?, candidate?}`
 * to `to`, with `from` stamped from the token.
 */
export class RoomSignalingChannel extends Channel {
  static override readonly channelName = "RoomSignalingChannel";
  static override readonly actions: readonly string[] = ["signal"];

  #identity: RoomIdentity | undefined;

  override async subscribed(): Promise<void> {
    this.#identity = admitRoomClient(this, "room signaling subscription");
    if (!this.#identity) return;
    await this.streamFrom(roomStreams.signal(this.#identity.roomId, this.#identity.clientId));
  }

  /** Relays one description or candidate to `to`, stamped with the caller's verified id. */
  async signal(data: Record<string, unknown>): Promise<void> {
    const { roomId, clientId } = this.#identity!;
    const { to, description, candidate } = parseAction(roomSignalAction, data);
    if (to === clientId) throw new P2pError(Reasons.invalidMessage, "a client cannot signal itself");
    const message: RoomSignalMessage = { type: "signal", from: clientId };
    if (description !== undefined) message.description = description;
    else message.candidate = candidate;
    await this.broadcast(roomStreams.signal(roomId, to), message);
  }
}
