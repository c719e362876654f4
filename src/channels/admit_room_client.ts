import type { Channel } from "../cable/channel.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { type RoomIdentity, verifyRoomToken } from "./room_token.js";
import { tokenParamsProblem } from "./schemas/subscribe_params.js";

/**
 * The identity of a room subscription, from its signed token: the one place both room channels
 * decide who is subscribing. On a bad identifier or token the subscription is rejected with its
 * reason (logged once as `<what> rejected`) and `undefined` comes back.
 */
export function admitRoomClient(channel: Channel, what: string): RoomIdentity | undefined {
  const refuse = (reason: string, message: string): undefined => {
    channel.logger.info(`${what} rejected`, { connection: channel.connection.id, reason });
    channel.reject(reason, message);
    return undefined;
  };
  const problem = tokenParamsProblem(channel.params);
  if (problem) return refuse(problem.reason, problem.message);
  try {
    return verifyRoomToken(channel.cable.signer, channel.params.token);
  } catch (error) {
    const reason = error instanceof P2pError ? error.reason : Reasons.invalidToken;
    return refuse(reason, error instanceof Error ? error.message : "invalid room token");
  }
}
