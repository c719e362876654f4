// The load generator: one process holding every client, so that one clock times send → receive.
// Started by bench/run.ts with an IPC channel; runs one command at a time and replies.
import type { LoadCommand, LoadReply } from "./commands.js";
import { runFanout } from "./fanout.js";
import { releaseIdle, runAccept, runIdle } from "./idle.js";
import { runRelay } from "./relay.js";
import { runSessionRelay } from "./session_relay.js";

const reply = (message: LoadReply) => process.send?.(message);
const progress = (text: string) => reply({ type: "progress", text });

async function run(command: LoadCommand | { op: "release" }): Promise<LoadReply> {
  switch (command.op) {
    case "relay":
      return { type: "done", result: await runRelay(command, progress) };
    case "fanout":
      return { type: "done", result: await runFanout(command, progress) };
    case "idle":
      return { type: "done", result: await runIdle(command, progress) };
    case "accept":
      return { type: "done", result: await runAccept(command, progress) };
    case "session_relay":
      return { type: "done", result: await runSessionRelay(command, progress) };
    case "release":
      await releaseIdle();
      return { type: "done", result: { connected: 0 } };
  }
}

if (!process.send) throw new Error("bench/load/main.ts must be started by bench/run.ts (no IPC channel)");
process.on("disconnect", () => process.exit(0));
process.on("message", (command: LoadCommand | { op: "release" }) => {
  run(command).then(reply, (error: unknown) =>
    reply({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
