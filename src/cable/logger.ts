/** Where the library writes what it does. Silent by default; the demo injects a console logger. */
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

type Level = keyof Logger;
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON object per line on stderr (`{"level":"info","msg":"listening",...}`).
 * @param minLevel lowest level written, default `info`.
 */
export function consoleLogger(minLevel: Level = "info", write: (line: string) => void = writeStderr): Logger {
  const emit = (level: Level) => (message: string, details?: Record<string, unknown>) => {
    if (order[level] < order[minLevel]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...details }));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
