import type { Logger as Pino } from "pino";
import type { Logger } from "../protocol/logger.js";

/** The part of a pino logger the adapter calls: any pino instance or child fits. */
export type PinoLike = Pick<Pino, "debug" | "info" | "warn" | "error">;

/**
 * Adapts a pino logger to the library's `Logger`: `logger.info("joined", { peer })` becomes
 * `pino.info({ peer }, "joined")`, so details land as fields of the JSON line and pino's level,
 * redaction and transports apply as configured.
 *
 * @example
 * import pino from "pino";
 * const cable = new CableServer({ channels, secret, logger: pinoLogger(pino({ level: "debug" })) });
 */
export function pinoLogger(pino: PinoLike): Logger {
  return {
    debug: (message, details) => pino.debug(details ?? {}, message),
    info: (message, details) => pino.info(details ?? {}, message),
    warn: (message, details) => pino.warn(details ?? {}, message),
    error: (message, details) => pino.error(details ?? {}, message),
  };
}
