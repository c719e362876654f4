import pino from "pino";
import { createDemoApp } from "../demo/app.js";
import { checkIceOptions, type IceOptions } from "../identity/turn_credentials.js";
import { pinoLogger } from "../server/pino_logger.js";
import { parseCommandLine, UsageError } from "./command.js";

const HELP = `usage: p2p-streams-channel demo [--port 3000] [--host 127.0.0.1] [--secret S] [--ice-server URL ...] [--redis URL]
                                [--room-max-members N] [--stun-url URL ...] [--turn-url URL ... --turn-secret S]
                                [--ice-transport-policy all|relay] [--no-relay]

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
                     most members of one video room (default 8): one more is refused with room_full
  --stun-url URL     STUN URL handed to pages (repeatable; default none)
  --turn-url URL     TURN URL (turn: or turns:) handed to pages with credentials minted per page in
                     coturn's use-auth-secret scheme (repeatable; needs --turn-secret)
  --turn-secret S    coturn's static-auth-secret (default TURN_SECRET when --turn-url is given);
                     stays on the server: pages get credentials valid for an hour, refreshed
  --ice-transport-policy P
                     all | relay (default all); relay makes pages use TURN only (needs --turn-url)
  --no-relay         never carry session data through the server: a member without a data channel
                     to its host waits for one (default: relayed, rate-limited, in clear on the server)`;

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
        "stun-url": { type: "string", multiple: true, default: [] },
        "turn-url": { type: "string", multiple: true, default: [] },
        "turn-secret": { type: "string" },
        "ice-transport-policy": { type: "string", default: "all" },
        "no-relay": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    },
    HELP,
    (line) => console.log(line),
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const ice = iceFlags(values);
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
    ice,
    redisUrl,
    roomMaxMembers,
    ...(values["no-relay"] ? { relay: false as const } : {}),
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

/** `--stun-url`, `--turn-url`, `--turn-secret` (or TURN_SECRET) and `--ice-transport-policy`, checked. */
function iceFlags(values: {
  "stun-url": string[];
  "turn-url": string[];
  "turn-secret"?: string;
  "ice-transport-policy": string;
}): IceOptions {
  const turnUrls = values["turn-url"];
  const policy = values["ice-transport-policy"];
  if (policy !== "all" && policy !== "relay")
    throw new UsageError(`--ice-transport-policy must be all or relay, got "${policy}"`);
  // TURN_SECRET from the environment counts only with a TURN URL; a flag without one is a mistake.
  const turnSecret = values["turn-secret"] ?? (turnUrls.length > 0 ? process.env.TURN_SECRET : undefined);
  if (turnUrls.length > 0 && !turnSecret)
    throw new UsageError(`--turn-url ${turnUrls[0]} needs --turn-secret (or TURN_SECRET)`);
  if (turnUrls.length === 0 && turnSecret)
    throw new UsageError("--turn-secret needs at least one --turn-url");
  if (policy === "relay" && turnUrls.length === 0)
    throw new UsageError(
      "--ice-transport-policy relay needs --turn-url (pages would connect through nothing)",
    );
  const ice: IceOptions = {
    stunUrls: values["stun-url"],
    turnUrls,
    ...(turnSecret ? { turnSecret } : {}),
    transportPolicy: policy,
  };
  try {
    return checkIceOptions(ice);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

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
