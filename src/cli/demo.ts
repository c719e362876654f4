import pino from "pino";
import { createDemoApp } from "../demo/app.js";
import { pinoLogger } from "../server/pino_logger.js";
import { parseCommandLine, UsageError } from "./command.js";

const HELP = `usage: p2p-streams-channel demo [--port 3000] [--host 127.0.0.1] [--secret S] [--ice-server URL ...] [--redis URL]
                                [--room-max-members N]

Starts the demo: the one-to-many chat at /chat?name=NAME and mesh video rooms at /rooms/new,
with the Action Cable signaling server at /cable and /health. Stops on SIGINT or SIGTERM.

  --port N           port to listen on (default 3000; 0 picks a free one)
  --host H           address to bind (default 127.0.0.1)
  --secret S         signing secret (default P2P_SECRET, else a fresh one per run)
  --ice-server URL   STUN/TURN URL handed to pages (repeatable; default none)
  --log-level L      debug | info | warn | error | silent (default info); JSON lines (pino) on stderr
  --redis URL        share pub/sub, sessions and room members through Redis (default REDIS_URL, else
                     in-process), so several demo processes behind one load balancer act as one
  --room-max-members N
                     most members of one video room (default 8): one more is refused with room_full`;

export async function demoCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    {
      args: argv,
      strict: true,
      options: {
        port: { type: "string", default: "3000" },
        host: { type: "string", default: "127.0.0.1" },
        secret: { type: "string" },
        "ice-server": { type: "string", multiple: true, default: [] },
        "log-level": { type: "string", default: "info" },
        redis: { type: "string" },
        "room-max-members": { type: "string", default: "8" },
        help: { type: "boolean", short: "h" },
      },
    },
    HELP,
    (line) => console.log(line),
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535, got "${values.port}"`);
  const level = values["log-level"];
  if (!LEVELS.includes(level)) {
    throw new UsageError(`--log-level must be ${LEVELS.join(", ")}, got "${level}"`);
  }
  const redisUrl = values.redis ?? (process.env.REDIS_URL || undefined);
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got "${redisUrl}"`);
  }
  const maxMembers = values["room-max-members"];
  const roomMaxMembers = Number(maxMembers);
  if (!/^[1-9][0-9]*$/.test(maxMembers) || !Number.isSafeInteger(roomMaxMembers)) {
    throw new UsageError(`--room-max-members must be a positive integer, got "${maxMembers}"`);
  }
  const logger = pinoLogger(demoPino(level));
  const app = createDemoApp({
    secret: values.secret,
    logger,
    iceServers: values["ice-server"].map((urls) => ({ urls })),
    redisUrl,
    roomMaxMembers,
  });
  const url = await app.listen(port, values.host);
  console.log(`listening on ${url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info("stopping", { signal });
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await app.close();
  console.log("stopped");
  return 0;
}

const LEVELS = ["debug", "info", "warn", "error", "silent"];

/**
 * JSON lines on stderr (stdout carries the `listening on` line), written synchronously so nothing
 * is lost on SIGTERM. Levels as words and ISO times: `{"level":"info","time":"…","msg":"…",…}`.
 */
function demoPino(level: string) {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
