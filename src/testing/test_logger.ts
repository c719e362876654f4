import type { Logger } from "../protocol/logger.js";

/** One line a `TestLogger` recorded. */
export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  details: Record<string, unknown>;
}

/**
 * A logger that keeps every entry for the test to assert on. It fits both the browser classes'
 * `Logger` (`logger` of `P2pSession`, `Room`) and the server's `Logger`.
 *
 * @example
 * const logger = new TestLogger();
 * const session = new P2pSession({ sessionId, peerId, token, logger, createConsumer });
 * assert.ok(logger.has("warn", "not the host"));
 */
export class TestLogger implements Logger {
  /** Everything logged, oldest first. */
  readonly entries: LogEntry[] = [];

  /** Records a `debug` entry. */
  debug(message: string, details: Record<string, unknown> = {}): void {
    this.entries.push({ level: "debug", message, details });
  }
  /** Records an `info` entry. */
  info(message: string, details: Record<string, unknown> = {}): void {
    this.entries.push({ level: "info", message, details });
  }
  /** Records a `warn` entry. */
  warn(message: string, details: Record<string, unknown> = {}): void {
    this.entries.push({ level: "warn", message, details });
  }
  /** Records an `error` entry. */
  error(message: string, details: Record<string, unknown> = {}): void {
    this.entries.push({ level: "error", message, details });
  }

  /** Entries whose message contains `text` (or matches it), at `level` when given. */
  find(text: string | RegExp, level?: LogEntry["level"]): LogEntry[] {
    return this.entries.filter(
      (entry) =>
        (level === undefined || entry.level === level) &&
        (typeof text === "string" ? entry.message.includes(text) : text.test(entry.message)),
    );
  }

  /** Whether an entry at `level` has a message containing `text` (or matching it). */
  has(level: LogEntry["level"], text: string | RegExp): boolean {
    return this.find(text, level).length > 0;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.length = 0;
  }
}
