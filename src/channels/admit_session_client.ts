import type { Channel } from "../cable/channel.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { tokenParamsProblem } from "./schemas/subscribe_params.js";
import { type SessionIdentity, verifySessionToken } from "./session_token.js";

/**
 * The identity of a session subscription, from its signed token (as `admitRoomClient` for rooms).
 * On a bad identifier or token the subscription is rejected with its reason (logged once as
 * `session subscription rejected`) and `undefined` comes back.
 */
export function admitSessionClient(channel: Channel): SessionIdentity | undefined {
  const refuse = (reason: string, message: string): undefined => {
    channel.logger.info("session subscription rejected", { connection: channel.connection.id, reason });
    channel.reject(reason, message);
    return undefined;
  };
  const problem = tokenParamsProblem(channel.params);
  if (problem) return refuse(problem.reason, problem.message);
  try {
    return verifySessionToken(channel.cable.signer, channel.params.token);
  } catch (error) {
    const reason = error instanceof P2pError ? error.reason : Reasons.invalidToken;
    return refuse(reason, error instanceof Error ? error.message : "invalid session token");
  }
}
