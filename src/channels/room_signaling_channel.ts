import { roomStreams } from "../identity/room_token.js";
import { checkIceOptions, type IceOptions, iceConfiguration } from "../identity/turn_credentials.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { ROOM_SIGNALING_CHANNEL, type RoomSignalMessage } from "../protocol/room_messages.js";
import type { IceServersMessage } from "../protocol/session_messages.js";
import { RoomMemberChannel } from "./room_member_channel.js";
import { parseAction } from "./schemas/parse_action.js";
import { roomSignalAction } from "./schemas/room_actions.js";
import { emptyAction } from "./schemas/session_actions.js";

const iceServersAction = emptyAction("ice_servers");

/**
 * Perfect-negotiation signaling of a room: SDP and ICE go to the addressed client only. Identifier
 * `{"channel":"RoomSignalingChannel","token":"<signed room token>"}`; each client streams from its
 * own `room:<roomId>:signal:<clientId>`, so a message cannot leave the room of the caller's token.
 *
 * Action `signal {to, description?, candidate?}` → `{type:"signal", from, description?, candidate?}`
 * to `to`, with `from` stamped from the token. Action `ice_servers` → `{type:"ice-servers", …}` to
 * the caller only: fresh TURN credentials minted for its client id, when the channel was made by
 * `createRoomSignalingChannel({ ice })` (a room page refreshes its own before they expire).
 */
export class RoomSignalingChannel extends RoomMemberChannel {
  static override readonly channelName = ROOM_SIGNALING_CHANNEL;
  static override readonly actions: readonly string[] = ["signal", "ice_servers"];
  /** What `ice_servers` mints from; `undefined` (this exported class): nothing to refresh. */
  static readonly ice: IceOptions | undefined = undefined;

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

  /** Fresh TURN credentials for the caller (`ice-servers`); nothing when the channel has no TURN. */
  ice_servers(data: Record<string, unknown>): void {
    parseAction(iceServersAction, data);
    const ice = (this.constructor as typeof RoomSignalingChannel).ice;
    if (!ice) return;
    const message: IceServersMessage = {
      type: "ice-servers",
      ...iceConfiguration(ice, this.identity.clientId),
    };
    this.transmit(message);
  }
}

/**
 * `RoomSignalingChannel` whose `ice_servers` action mints TURN credentials from `ice` (the same
 * options as the room pages'), so a long call's pages refresh theirs before they expire.
 *
 * @example
 * const channels = [createRoomChannel(), createRoomSignalingChannel({ ice: { turnUrls, turnSecret } })];
 */
export function createRoomSignalingChannel(options: { ice?: IceOptions } = {}): typeof RoomSignalingChannel {
  const checked = options.ice && checkIceOptions(options.ice);
  const ice = checked && checked.turnUrls.length > 0 ? checked : undefined;
  return class extends RoomSignalingChannel {
    static override readonly ice = ice;
  };
}
