import type { IncomingMessage } from "node:http";
import type { Logger } from "../protocol/logger.js";
import type { Identity } from "./channel_context.js";

/** `CableServerOptions.authenticate`, as the server calls it. */
export type Authenticate = (request: IncomingMessage) => Identity | null | Promise<Identity | null>;

/** The identity of a socket before `authenticate` answers, and of everyone without one: `{}`, one frozen object for all. */
export const ANONYMOUS: Identity = Object.freeze({});

/** One socket's pending authentication: its outcome, and how to stop waiting for it. */
export interface Authentication {
  /** The identity, or `null` when `authenticate` refused, threw, timed out or was cancelled. Never rejects. */
  readonly identity: Promise<Identity | null>;
  /** Stops waiting (the socket closed): `identity` resolves to `null` at once. */
  cancel(): void;
}

const TIMED_OUT = Symbol("timed out");
const CANCELLED = Symbol("cancelled");

/**
 * Runs `authenticate` for one socket, bounded by `timeoutMs`: a callback that hangs must not hold
 * the socket's command queue, and with it its teardown, forever. A throw and a timeout are logged
 * and come out as `null`, so the socket is refused as `unauthorized`; a late answer is ignored.
 */
export function authenticateWithin(
  authenticate: Authenticate,
  request: IncomingMessage,
  options: { timeoutMs: number; logger: Logger; connection: string },
): Authentication {
  const { timeoutMs, logger, connection } = options;
  let timer: NodeJS.Timeout | undefined;
  let cancel!: () => void;
  const cutShort = new Promise<typeof TIMED_OUT | typeof CANCELLED>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, TIMED_OUT);
    cancel = () => resolve(CANCELLED);
  });
  const identity = (async () => {
    try {
      const result = await Promise.race([authenticate(request), cutShort]);
      if (result === TIMED_OUT) logger.warn("authenticate timed out", { connection, timeoutMs });
      return typeof result === "symbol" ? null : result;
    } catch (error) {
      logger.warn("authenticate failed", { connection, error: String(error) });
      return null;
    } finally {
      clearTimeout(timer);
    }
  })();
  return { identity, cancel };
}
