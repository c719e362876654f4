import { createInterface } from "node:readline";
import type { ParseArgsConfig } from "node:util";
import {
  createNodeSession,
  fetchSessionTicket,
  MessageTypes,
  type P2pSession,
  type P2pSessionOptions,
  type PeerStates,
  SessionTicketError,
} from "../node/index.js";
import { parseCommandLine, UsageError } from "./command.js";

const HELP = `usage: p2p-streams-channel join URL [--json] [--host-only]

Joins a session from the terminal as a Node peer. URL is the chat page's own URL, such as
'http://127.0.0.1:3000/chat?name=bot&session=chat'; the token comes from that path plus /token
with the same query (the demo's GET /chat/token). Each line typed on stdin is sent; messages are
printed with their sender and time, and so are changes of state, host and peers.

  --json       one JSON object per line on stdout: {"type":"message","senderId","data","time"},
               {"type":"state","state"}, {"type":"host","hostPeerId","iamHost"},
               {"type":"peers","peers":{…}}, {"type":"error","reason","message"}
  --host-only  an always-on host: hosts the session or leaves at once (exit 5) when another peer
               hosts it; stays when stdin ends (stop it with SIGINT or SIGTERM)

exit codes: 0 left (stdin ended, SIGINT, SIGTERM), 1 failure, 2 usage, 3 server unreachable,
4 refused (the token route answered an error, or the cable refused the token or the peer),
5 --host-only and another peer hosts the session`;

const OPTIONS = {
  json: { type: "boolean", default: false },
  "host-only": { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

/** Exit codes of `join` (docs/reference.md, "CLI"). */
export const joinExitCodes = {
  left: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  refused: 4,
  notHost: 5,
} as const;

/** Where `join` reads lines and writes output: the process's by default, a seam for tests. */
export interface JoinIo {
  input?: NodeJS.ReadableStream;
  write?: (line: string) => void;
  writeError?: (line: string) => void;
  /** Resolves when the process is told to stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<void>;
}

/** The URL of the token route for a chat page URL: its path plus `/token`, the same query. */
export function tokenUrlFor(pageUrl: string): URL {
  let url: URL;
  try {
    url = new URL(pageUrl);
  } catch {
    throw new UsageError(
      `"${pageUrl}" is not a URL: give the chat page's, e.g. 'http://127.0.0.1:3000/chat?name=bot'`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`"${pageUrl}" is not an http(s) URL`);
  if (!url.searchParams.get("name")?.trim())
    throw new UsageError(`"${pageUrl}" has no name: add ?name=NAME (the peer id to join as)`);
  if (!url.pathname.endsWith("/token")) url.pathname = `${url.pathname.replace(/\/$/, "")}/token`;
  return url;
}

/**
 * `join URL`: a Node peer in a terminal. Resolves to the exit code (`joinExitCodes`) once the peer
 * has left.
 */
export async function joinCommand(argv: string[], io: JoinIo = {}): Promise<number> {
  const write = io.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const writeError = io.writeError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const parsed = parseCommandLine(
    { args: argv, options: OPTIONS, strict: true, allowPositionals: true },
    HELP,
    write,
  );
  if (!parsed) return joinExitCodes.left;
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new UsageError(
      `join takes one URL, got ${positionals.length === 0 ? "none" : positionals.join(" ")}`,
    );
  const tokenUrl = tokenUrlFor(positionals[0]!);
  const out = new JoinOutput(values.json, write, writeError);

  let ticket: Awaited<ReturnType<typeof fetchSessionTicket>>;
  try {
    ticket = await fetchSessionTicket(tokenUrl);
  } catch (error) {
    if (!(error instanceof SessionTicketError)) throw error;
    out.fatal(error.kind === "unreachable" ? "unreachable" : "refused", error.message);
    return error.kind === "unreachable" ? joinExitCodes.unreachable : joinExitCodes.refused;
  }
  const session = createNodeSession({ ...(ticket.config as Partial<P2pSessionOptions>), ...ticket });
  const code = await run(session, values["host-only"], out, io);
  // The native WebRTC module can hold the event loop after its connections closed: a process of
  // its own exits once its output had a moment to drain.
  if (!io.input) setTimeout(() => process.exit(code), 500).unref();
  return code;
}

function run(session: P2pSession, hostOnly: boolean, out: JoinOutput, io: JoinIo): Promise<number> {
  return new Promise<number>((resolve) => {
    let lastError: { reason: string; message: string } | null = null;
    const input = io.input ?? process.stdin;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    const removeSignals = io.stopped ? () => undefined : onStopSignal(() => finish(joinExitCodes.left));
    void io.stopped?.then(() => finish(joinExitCodes.left));
    let done = false;

    function finish(code: number): void {
      if (done) return;
      done = true;
      removeSignals();
      lines.close();
      session.close();
      resolve(code);
    }

    session.on("state", ({ state }) => {
      out.state(state);
      if (state !== "failed") return;
      const reason = lastError?.reason ?? "failed";
      out.fatal(reason, `the server refused this peer: ${lastError?.message ?? "the session failed"}`);
      finish(joinExitCodes.refused);
    });
    session.on("host", ({ hostPeerId, iamHost }) => {
      out.host(hostPeerId, iamHost);
      if (hostOnly && !iamHost) {
        out.fatal(
          "not_host",
          `session "${session.sessionId}" is hosted by "${hostPeerId}": --host-only does not join as a member`,
        );
        finish(joinExitCodes.notHost);
      }
    });
    session.on("peers", (peers) => out.peers(peers));
    session.on("message", (message) => {
      if (message.type === MessageTypes.data) out.message(message.senderId, message.data);
    });
    session.on("error", ({ error }) => {
      lastError = { reason: error.reason, message: error.message };
      if (session.state !== "failed") out.error(error.reason, error.message);
    });

    lines.on("line", (line) => {
      if (line.length > 0) void session.send(line).catch((error) => out.error(error.reason, error.message));
    });
    // An always-on host runs without a terminal (stdin at its end): only a signal stops it.
    lines.on("close", () => {
      if (!hostOnly) finish(joinExitCodes.left);
    });
    session.start();
  });
}

function onStopSignal(stop: () => void): () => void {
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  };
}

/** How `join` shows what happens: lines for a person, or one JSON object per line (`--json`). */
class JoinOutput {
  readonly #json: boolean;
  readonly #write: (line: string) => void;
  readonly #writeError: (line: string) => void;
  #peers = "";

  constructor(json: boolean, write: (line: string) => void, writeError: (line: string) => void) {
    this.#json = json;
    this.#write = write;
    this.#writeError = writeError;
  }

  message(senderId: string, data: unknown): void {
    const time = new Date().toISOString();
    if (this.#json) this.#write(JSON.stringify({ type: "message", senderId, data: jsonable(data), time }));
    else this.#write(`[${time.slice(11, 19)}] ${senderId}: ${printable(data)}`);
  }

  state(state: string): void {
    if (this.#json) this.#write(JSON.stringify({ type: "state", state }));
    else this.#write(`* state: ${state}`);
  }

  host(hostPeerId: string, iamHost: boolean): void {
    if (this.#json) this.#write(JSON.stringify({ type: "host", hostPeerId, iamHost }));
    else this.#write(`* host: ${hostPeerId}${iamHost ? " (you)" : ""}`);
  }

  peers(peers: PeerStates): void {
    const shown = JSON.stringify(peers);
    if (shown === this.#peers) return;
    this.#peers = shown;
    if (this.#json) this.#write(JSON.stringify({ type: "peers", peers }));
    else {
      const list = Object.entries(peers).map(([peer, state]) => `${peer} ${state}`);
      this.#write(`* peers: ${list.join(", ")}`);
    }
  }

  error(reason: string, message: string): void {
    if (this.#json) this.#write(JSON.stringify({ type: "error", reason, message }));
    this.#writeError(`p2p-streams-channel join: ${reason}: ${message}`);
  }

  fatal(reason: string, message: string): void {
    this.error(reason, message);
  }
}

function printable(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return `<${data.byteLength} bytes>`;
  if (ArrayBuffer.isView(data)) return `<${data.byteLength} bytes ${data.constructor.name}>`;
  if (data instanceof Blob) return `<${data.size} bytes ${data.type || "blob"}>`;
  return JSON.stringify(data);
}

function jsonable(data: unknown): unknown {
  if (
    typeof data === "string" ||
    !(data instanceof ArrayBuffer || ArrayBuffer.isView(data) || data instanceof Blob)
  )
    return data;
  return { binary: printable(data) };
}
