/**
 * Where the library writes what it does, on both sides (server classes and browser classes alike).
 * Silent by default; the demo injects a console logger (`consoleLogger` of `/server`).
 */
export interface Logger {
  /** Detail for debugging (per frame, per signal). */
  debug(message: string, details?: Record<string, unknown>): void;
  /** Something worth knowing happened (a socket refused, Redis back). */
  info(message: string, details?: Record<string, unknown>): void;
  /** A client or a dependency misbehaved and was handled. */
  warn(message: string, details?: Record<string, unknown>): void;
  /** Something failed that should not have: a bug or an outage. */
  error(message: string, details?: Record<string, unknown>): void;
}

const noop = () => {};

/** A logger that drops everything: the library default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
