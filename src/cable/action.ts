import { P2pError, Reasons } from "../protocol/errors.js";
import type { Logger } from "../protocol/logger.js";
import { type Channel, type ChannelClass, channelDriver } from "./channel.js";
import { parseActionData, quote } from "./protocol.js";

/**
 * Runs one client `message` on a confirmed subscription: decodes the action data, refuses an action
 * the channel does not list in `actions`, and answers a failure with an error on that subscription
 * (a `P2pError` keeps its reason; anything else is `action_failed`, logged). Never rejects.
 */
export function performAction(channel: Channel, data: string, logger: Logger): void | Promise<void> {
  const connection = channel.connection.id;
  const decoded = parseActionData(data);
  if (!decoded.ok) {
    logger.warn("invalid message", { connection, error: decoded.error });
    channelDriver.transmitError(channel, Reasons.invalidMessage, decoded.error);
    return;
  }
  const { action, payload } = decoded;
  const actions = (channel.constructor as ChannelClass).actions;
  const method = (channel as unknown as Record<string, unknown>)[action];
  if (!actions.includes(action) || typeof method !== "function") {
    const message = `Unknown action "${quote(action)}" for "${quote(channel.params.channel)}"`;
    logger.warn("unknown action", { connection, action: quote(action) });
    channelDriver.transmitError(channel, Reasons.unknownAction, message);
    return;
  }
  try {
    const result = method.call(channel, payload);
    if (result instanceof Promise)
      return result.catch((error) => actionFailed(channel, action, error, logger));
  } catch (error) {
    actionFailed(channel, action, error, logger);
  }
}

function actionFailed(channel: Channel, action: string, error: unknown, logger: Logger): void {
  const connection = channel.connection.id;
  if (error instanceof P2pError) {
    logger.info("action refused", { connection, action, reason: error.reason });
    channelDriver.transmitError(channel, error.reason, error.message);
    return;
  }
  logger.error("action failed", { connection, action, error: String(error) });
  channelDriver.transmitError(
    channel,
    Reasons.actionFailed,
    `The "${quote(action)}" action failed on the server`,
  );
}
