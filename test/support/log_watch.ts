import type { Logger } from "../../src/protocol/logger.js";
import { withDeadline } from "./cable.js";

export interface WatchedLine {
  level: keyof Logger;
  message: string;
  details: Record<string, unknown>;
}

/** A Logger that keeps every line and waits, with a deadline, for one matching a predicate. */
export interface LogWatch extends Logger {
  readonly lines: WatchedLine[];
  /** Resolves with the first line after `from` (an index into `lines`, default 0) that matches. */
  waitFor(
    match: Partial<WatchedLine> & { role?: string },
    from?: number,
    timeoutMs?: number,
  ): Promise<WatchedLine>;
}

export function logWatch(): LogWatch {
  const lines: WatchedLine[] = [];
  const waiters = new Set<() => void>();
  const at =
    (level: keyof Logger) =>
    (message: string, details: Record<string, unknown> = {}) => {
      lines.push({ level, message, details });
      for (const wake of [...waiters]) wake();
    };
  const matches = (line: WatchedLine, match: Partial<WatchedLine> & { role?: string }) =>
    (match.level === undefined || line.level === match.level) &&
    (match.message === undefined || line.message === match.message) &&
    (match.role === undefined || line.details.role === match.role);
  const waitFor: LogWatch["waitFor"] = (match, from = 0, timeoutMs = 10_000) => {
    const find = () => lines.slice(from).find((line) => matches(line, match));
    const found = find();
    if (found) return Promise.resolve(found);
    let wake!: () => void;
    const waiting = new Promise<WatchedLine>((resolve) => {
      wake = () => {
        const line = find();
        if (!line) return;
        waiters.delete(wake);
        resolve(line);
      };
      waiters.add(wake);
    });
    return withDeadline(waiting, `log line ${JSON.stringify(match)}`, timeoutMs).finally(() =>
      waiters.delete(wake),
    );
  };
  return { lines, waitFor, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
