import type { Logger } from "../protocol/logger.js";
import { type Channel, type ChannelClass, channelDriver } from "./channel.js";
import type { CloseCause, ConnectionHandle } from "./channel_context.js";
import type { ObserverSet, TeardownFailure } from "./observer.js";
import { quote } from "./protocol.js";

/** Where teardown failures are reported: the server's logger and observers. */
export interface TeardownReporter {
  readonly logger: Logger;
  readonly observer: ObserverSet;
}

/**
 * Closes channels of one connection, each one even when another's `unsubscribed` or stream stop
 * fails, and reports every failed step. Never rejects. A close that hangs keeps the promise
 * pending: the server's close deadline (`closeTimeoutMs`) is what bounds that.
 */
export async function closeChannels(
  connection: ConnectionHandle,
  channels: readonly Channel[],
  cause: CloseCause,
  reporter: TeardownReporter,
): Promise<void> {
  await Promise.all(
    channels.map(async (channel) => {
      const name = (channel.constructor as ChannelClass).channelName;
      for (const { step, stream, error } of await channelDriver.close(channel, cause)) {
        teardownFailed(connection, { step, channel: name, stream }, error, reporter);
      }
    }),
  );
}

/** Logs one failed teardown step, naming its channel and stream, and tells the observers. */
export function teardownFailed(
  connection: ConnectionHandle,
  what: TeardownFailure,
  error: unknown,
  reporter: TeardownReporter,
): void {
  reporter.logger.error("teardown failed", {
    connection: connection.id,
    step: what.step,
    channel: what.channel,
    stream: what.stream === undefined ? undefined : quote(what.stream),
    error: String(error),
  });
  reporter.observer.teardownFailed(connection, what, error);
}
