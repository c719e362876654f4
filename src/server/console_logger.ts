import type { Logger } from "../protocol/logger.js";

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
